package dev.requant.plugins.safetensors;

import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An opened safetensors checkpoint: one file or the shards of an index, all mapped until
 * {@link #close()}. Tensors are listed in data order per file, files in the order
 * {@link CheckpointFiles} gives. {@code __metadata__} entries appear as
 * {@code safetensors.KEY} strings; when shards disagree on a key, the first shard's value is kept.
 */
final class SafetensorsModel implements ModelSource {
    private final List<SafetensorsFile> files;
    private final Metadata metadata;
    private final List<SourceTensor> tensors;

    private SafetensorsModel(List<SafetensorsFile> files, Metadata metadata, List<SourceTensor> tensors) {
        this.files = List.copyOf(files);
        this.metadata = metadata;
        this.tensors = List.copyOf(tensors);
    }

    static SafetensorsModel open(CheckpointFiles checkpoint) throws IOException {
        List<SafetensorsFile> opened = new ArrayList<>();
        try {
            if (checkpoint.index().isPresent()) {
                checkShardsExist(checkpoint.index().get());
            }
            Metadata metadata = new Metadata();
            List<SourceTensor> tensors = new ArrayList<>();
            Map<String, Path> seen = new HashMap<>();
            for (Path p : checkpoint.weights()) {
                SafetensorsFile file = SafetensorsFile.open(p);
                opened.add(file);
                for (var e : file.metadata().entrySet()) {
                    String key = Metadata.SAFETENSORS_PREFIX + e.getKey();
                    if (metadata.get(key).isEmpty()) {
                        metadata.put(key, new MetaValue.Str(e.getValue()));
                    }
                }
                for (StoredTensor t : file.tensors()) {
                    Path earlier = seen.putIfAbsent(t.name(), p);
                    if (earlier != null) {
                        throw BadInputException.inTensor(p, t.name(), "is stored in " + earlier.getFileName()
                                + " too: a checkpoint holds each tensor once");
                    }
                    if (checkpoint.index().isPresent()) {
                        checkListed(checkpoint.index().get(), p, t.name());
                    }
                    tensors.add(t);
                }
            }
            if (checkpoint.index().isPresent()) {
                checkAllFound(checkpoint.index().get(), seen);
            }
            for (AuxFile aux : checkpoint.sideFiles()) {
                metadata.putFile(aux);
            }
            return new SafetensorsModel(opened, metadata, tensors);
        } catch (IOException | RuntimeException e) {
            opened.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static void checkShardsExist(ShardIndex index) throws BadInputException {
        Path folder = index.file().toAbsolutePath().getParent();
        for (var e : index.weightMap().entrySet()) {
            if (!Files.isRegularFile(folder.resolve(e.getValue()))) {
                throw BadInputException.of(index.file(), "weight_map puts tensor '" + e.getKey() + "' in "
                        + e.getValue() + ", which does not exist in " + folder);
            }
        }
    }

    private static void checkListed(ShardIndex index, Path shard, String tensor) throws BadInputException {
        String listed = index.weightMap().get(tensor);
        String here = shard.getFileName().toString();
        if (listed == null) {
            throw BadInputException.inTensor(shard, tensor, "is not in the weight_map of " + index.file().getFileName());
        }
        if (!listed.equals(here)) {
            throw BadInputException.inTensor(shard, tensor, "is stored in " + here + " but the weight_map of "
                    + index.file().getFileName() + " puts it in " + listed);
        }
    }

    private static void checkAllFound(ShardIndex index, Map<String, Path> found) throws BadInputException {
        for (var e : index.weightMap().entrySet()) {
            if (!found.containsKey(e.getKey())) {
                throw BadInputException.inTensor(index.file(), e.getKey(), "is in the weight_map, but shard "
                        + e.getValue() + " does not contain it");
            }
        }
    }

    @Override
    public String format() {
        return SafetensorsReader.ID;
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
        files.forEach(SafetensorsFile::close);
    }
}
