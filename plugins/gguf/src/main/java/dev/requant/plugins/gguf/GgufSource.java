package dev.requant.plugins.gguf;

import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import dev.requant.spi.io.MappedFile;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An opened GGUF model: the key/values of its (first) file and the tensors of all its files,
 * each a view of its mapped file.
 *
 * <p>{@code general.alignment} and the {@code split.*} keys describe the container, not the
 * model: they are left out of the metadata, and the GGUF writer writes its own.
 */
final class GgufSource implements ModelSource {
    private final List<MappedFile> files;
    private final Metadata metadata;
    private final List<SourceTensor> tensors;

    private GgufSource(List<MappedFile> files, Metadata metadata, List<SourceTensor> tensors) {
        this.files = files;
        this.metadata = metadata;
        this.tensors = tensors;
    }

    /** Takes over the shards: they are closed with the source, or here if building it fails. */
    static GgufSource of(List<GgufShards.Shard> shards) throws BadInputException {
        try {
            Metadata metadata = new Metadata();
            for (GgufKv kv : shards.getFirst().header().kvs().values()) {
                if (!isContainerKey(kv.key())) {
                    metadata.put(kv.key(), kv.value());
                }
            }
            List<SourceTensor> tensors = new ArrayList<>();
            Map<String, Integer> shardOf = new HashMap<>();
            for (int s = 0; s < shards.size(); s++) {
                GgufShards.Shard shard = shards.get(s);
                for (GgufTensorInfo t : shard.header().tensors()) {
                    Integer other = shardOf.putIfAbsent(t.name(), s + 1);
                    if (other != null) {
                        throw BadInputException.at(shard.header().file(), t.infoAt(), "tensor '" + t.name()
                                + "' is also in shard " + other);
                    }
                    tensors.add(tensor(shard, t));
                }
            }
            return new GgufSource(shards.stream().map(GgufShards.Shard::file).toList(), metadata, List.copyOf(tensors));
        } catch (BadInputException | RuntimeException e) {
            shards.forEach(s -> s.file().close());
            throw e;
        }
    }

    /** Keys that describe the file rather than the model. */
    static boolean isContainerKey(String key) {
        return key.equals(GgufParser.ALIGNMENT_KEY) || key.startsWith(GgufShards.SPLIT_PREFIX);
    }

    private static StoredTensor tensor(GgufShards.Shard shard, GgufTensorInfo t) throws BadInputException {
        long[] ne = t.ne();
        long[] dims = new long[ne.length];
        for (int i = 0; i < ne.length; i++) {
            dims[i] = ne[ne.length - 1 - i];
        }
        Shape shape = Shape.of(dims);
        GgmlType type = t.type();
        TensorType tensorType = GgufTypes.tensorType(type);
        PartSpec part = tensorType instanceof ElementType element
                ? new PartSpec(PartSpec.DATA, element, shape)
                : new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(shape.rows(), type.rowBytes(shape.rowLength())));
        MemorySegment data = shard.file().slice(shard.header().dataOffset() + t.offset(), t.nbytes(),
                "tensor '" + t.name() + "'");
        return StoredTensor.of(new TensorInfo(t.name(), shape, tensorType), new TensorPart(part, data));
    }

    @Override
    public String format() {
        return GgufReader.ID;
    }

    @Override
    public Metadata metadata() {
        return metadata;
    }

    @Override
    public List<SourceTensor> tensors() {
        return tensors;
    }

    @Override
    public void close() {
        files.forEach(MappedFile::close);
    }
}
