package dev.requant.plugins.gguf;

import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PartSpec;
import dev.requant.spi.PlannedTensor;
import dev.requant.spi.TensorInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where every byte of a GGUF output goes: the files (one, or the shards of a split output), each
 * file's header bytes, and each tensor's file and position. Tensors are laid out in plan order,
 * each padded with zeros to the alignment, the last one included, as ggml's writer does.
 *
 * <p>Split outputs follow gguf-split: shards {@code PREFIX-00001-of-0000N.gguf}, all model
 * key/values in the first shard only, and in every shard, after those, {@code split.no} (U16),
 * {@code split.count} (U16) and {@code split.tensors.count} (I32), the order llama-quantize
 * {@code --keep-split} writes them in (gguf-split itself ends up with {@code split.count} last).
 * A shard ends before the tensor that would take its padded data past {@code split_max_size}
 * or its tensor count past {@code split_max_tensors}; a shard always holds at least one tensor.
 */
final class GgufLayout {
    private static final Logger LOG = LoggerFactory.getLogger(GgufLayout.class);
    /** ggml's {@code GGML_MAX_NAME}: a name must fit its 64-byte field with the terminating NUL. */
    static final int MAX_NAME_BYTES = 63;

    /** One output file. */
    record ShardFile(Path path, byte[] header, long length) {
    }

    /** Where a tensor's data goes. */
    record Placement(int shard, long position, long nbytes) {
    }

    private final List<ShardFile> files;
    private final List<Placement> placements;

    private GgufLayout(List<ShardFile> files, List<Placement> placements) {
        this.files = files;
        this.placements = placements;
    }

    List<ShardFile> files() {
        return files;
    }

    Placement placement(int tensor) {
        return placements.get(tensor);
    }

    int tensorCount() {
        return placements.size();
    }

    /** @throws IllegalArgumentException when the plan holds something GGUF cannot store, naming it */
    static GgufLayout of(Path path, OutputPlan plan, WriterOptions options) {
        List<OutTensor> tensors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (PlannedTensor planned : plan.tensors()) {
            OutTensor t = OutTensor.of(planned);
            if (!names.add(t.name())) {
                throw new IllegalArgumentException("tensor " + t.name() + " appears twice in the plan");
            }
            tensors.add(t);
        }
        boolean anyQuantized = tensors.stream().anyMatch(t -> t.type().isQuantized());
        LinkedHashMap<String, MetaValue> modelKeys = OutputKeys.of(plan, anyQuantized, options.alignment());
        List<List<Integer>> groups = group(tensors, options);
        if (groups.size() > 0xFFFF) {
            throw new IllegalArgumentException("the split options give " + groups.size()
                    + " shards; split.count is a U16 (at most 65535)");
        }
        Path prefix = prefix(path);
        List<ShardFile> files = new ArrayList<>();
        Placement[] placements = new Placement[tensors.size()];
        for (int s = 0; s < groups.size(); s++) {
            LinkedHashMap<String, MetaValue> kvs = new LinkedHashMap<>();
            if (s == 0) {
                kvs.putAll(modelKeys);
            } else if (options.alignment() != GgufParser.DEFAULT_ALIGNMENT) {
                kvs.put(GgufParser.ALIGNMENT_KEY, OutputKeys.u32(options.alignment()));
            }
            if (options.split()) {
                kvs.put(GgufShards.SPLIT_NO, new MetaValue.Int(MetaType.U16, s));
                kvs.put(GgufShards.SPLIT_COUNT, new MetaValue.Int(MetaType.U16, groups.size()));
                kvs.put(GgufShards.SPLIT_TENSORS, new MetaValue.Int(MetaType.I32, tensors.size()));
            }
            List<HeaderBytes.TensorRecord> records = new ArrayList<>();
            long offset = 0;
            for (int i : groups.get(s)) {
                OutTensor t = tensors.get(i);
                records.add(new HeaderBytes.TensorRecord(t.name(), t.ne(), t.type().id(), offset));
                offset = Math.addExact(offset, GgufParser.alignUp(t.nbytes(), options.alignment()));
            }
            byte[] header = HeaderBytes.of(kvs, records, records.size(), options.alignment());
            for (int k = 0; k < records.size(); k++) {
                int i = groups.get(s).get(k);
                placements[i] = new Placement(s, header.length + records.get(k).offset(), tensors.get(i).nbytes());
            }
            Path file = options.split() ? ShardName.path(prefix, s + 1, groups.size()) : path;
            files.add(new ShardFile(file, header, header.length + offset));
            LOG.debug("{}: {} key/values, {} tensors, alignment {}, tensor data from byte {}, {} bytes", file, kvs.size(),
                    records.size(), options.alignment(), header.length, header.length + offset);
        }
        return new GgufLayout(List.copyOf(files), List.of(placements));
    }

    private static List<List<Integer>> group(List<OutTensor> tensors, WriterOptions options) {
        List<List<Integer>> groups = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long bytes = 0;
        for (int i = 0; i < tensors.size(); i++) {
            long padded = GgufParser.alignUp(tensors.get(i).nbytes(), options.alignment());
            boolean full = options.splitMaxTensors() > 0 && current.size() == options.splitMaxTensors()
                    || options.splitMaxBytes() > 0 && bytes + padded > options.splitMaxBytes();
            if (!current.isEmpty() && full) {
                groups.add(current);
                current = new ArrayList<>();
                bytes = 0;
            }
            current.add(i);
            bytes += padded;
        }
        groups.add(current);
        return groups;
    }

    /** The shard prefix: the path without {@code .gguf}, or without its shard ending if it has one. */
    private static Path prefix(Path path) {
        return ShardName.parse(path).map(ShardName::prefix).orElseGet(() -> {
            String name = path.getFileName().toString();
            return name.toLowerCase(java.util.Locale.ROOT).endsWith(".gguf")
                    ? path.resolveSibling(name.substring(0, name.length() - ".gguf".length())) : path;
        });
    }

    /** A planned tensor as GGUF stores it. */
    private record OutTensor(String name, long[] ne, GgmlType type, long nbytes) {
        static OutTensor of(PlannedTensor planned) {
            TensorInfo info = planned.info();
            String name = info.name();
            GgmlType type = GgufTypes.ggmlType(info.type()).orElseThrow(() -> new IllegalArgumentException(
                    "tensor " + name + ": GGUF cannot store type " + info.type().id()));
            if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
                throw new IllegalArgumentException("tensor " + name + ": the name has "
                        + name.getBytes(StandardCharsets.UTF_8).length + " bytes; ggml reads at most "
                        + MAX_NAME_BYTES);
            }
            long[] dims = info.shape().dims();
            if (info.shape().numel() == 0) {
                throw new IllegalArgumentException("tensor " + name + " " + info.shape()
                        + " has no elements, which ggml cannot read");
            }
            // ggml_n_dims: trailing ne of 1 are not written, but at least one dimension is
            int nDims = 1;
            for (int j = 0; j < dims.length; j++) {
                if (dims[dims.length - 1 - j] != 1) {
                    nDims = j + 1;
                }
            }
            if (nDims > GgufParser.MAX_DIMS) {
                throw new IllegalArgumentException("tensor " + name + " " + info.shape() + " has more than "
                        + GgufParser.MAX_DIMS + " dimensions besides leading 1s; ggml tensors have at most "
                        + GgufParser.MAX_DIMS);
            }
            long[] ne = new long[nDims];
            for (int j = 0; j < nDims; j++) {
                ne[j] = j < dims.length ? dims[dims.length - 1 - j] : 1;
            }
            if (ne[0] % type.blockSize() != 0) {
                throw new IllegalArgumentException("tensor " + name + " " + info.shape() + ": row length " + ne[0]
                        + " is not a multiple of the " + type.typeName() + " block size " + type.blockSize());
            }
            long nbytes = Math.multiplyExact(type.rowBytes(ne[0]), info.shape().numel() / ne[0]);
            List<PartSpec> parts = planned.parts();
            if (parts.size() != 1 || parts.getFirst().byteSize() != nbytes) {
                throw new IllegalArgumentException("tensor " + name + ": the plan gives parts "
                        + parts.stream().map(p -> p.role() + " " + p.byteSize() + " bytes")
                                .collect(Collectors.joining(", "))
                        + "; GGUF stores one part of " + nbytes + " bytes for " + info.shape() + " "
                        + type.typeName());
            }
            return new OutTensor(name, ne, type, nbytes);
        }
    }
}
