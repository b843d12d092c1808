package dev.requant.plugins.safetensors;

import dev.requant.spi.ElementType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PartSpec;
import dev.requant.spi.PlannedTensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * Where every stored tensor of a plan goes: the shard files, their headers, and each stored
 * tensor's file offset. A plain tensor is stored under its name; a quantized tensor of a
 * checkpoint layout (GPTQ's qweight, qzeros, scales, g_idx...) stores each part as a tensor of its
 * own, under the part's planned name.
 *
 * <p>The layout is the one the safetensors library writes, so that our files match
 * {@code safetensors.torch.save_file} byte for byte: tensors sorted by dtype, largest first in the
 * Rust enum's declaration order ({@link Dtypes}), then by name; contiguous data in that order
 * (every tensor then starts at a multiple of its element size); a compact JSON header with
 * {@code __metadata__} first, padded with spaces to a multiple of 8 bytes. This deliberately
 * ignores the plan's tensor order: that order only matters to formats without such a rule.
 *
 * <p>{@code __metadata__} holds {@code "format"} first ({@code "pt"}, which transformers requires,
 * unless the metadata sets {@code safetensors.format}), then every other {@code safetensors.KEY}
 * string in metadata order.
 *
 * <p>Sharding is greedy in the same order: a shard is closed when the next tensor would take its
 * data past the limit; a tensor larger than the limit gets a shard of its own. Several shards are
 * named {@code BASE-00001-of-0000N.safetensors} and listed in {@code BASE.safetensors.index.json},
 * written like transformers and huggingface_hub write it ({@code json.dumps(indent=2,
 * sort_keys=True)} plus a newline); a single shard is {@code BASE.safetensors} without index.
 */
final class OutputLayout {
    /** A stored tensor: one part of a planned tensor. */
    record Stored(String name, ElementType dtype, long[] dims, long size) {
    }

    /** A stored tensor's place: its index in {@link #stored} and where its bytes start in its shard file. */
    record Slot(int storedIndex, long offset, long size) {
    }

    /**
     * One output file.
     *
     * @param head the first bytes of the file: the header length and the padded header
     */
    record Shard(String fileName, byte[] head, List<Slot> slots, long length) {
    }

    private final List<Stored> stored;
    private final int[] firstPart;
    private final List<Shard> shards;
    private final String indexName;
    private final Optional<byte[]> index;

    private OutputLayout(List<Stored> stored, int[] firstPart, List<Shard> shards, String indexName,
                         Optional<byte[]> index) {
        this.stored = List.copyOf(stored);
        this.firstPart = firstPart;
        this.shards = List.copyOf(shards);
        this.indexName = indexName;
        this.index = index;
    }

    /**
     * @param baseName     file name without {@code .safetensors}
     * @param maxShardSize the data bytes a shard may hold, {@link Long#MAX_VALUE} for no sharding
     * @throws IllegalArgumentException when the plan holds a tensor this format cannot store
     */
    static OutputLayout of(String baseName, OutputPlan plan, long maxShardSize) {
        int[] firstPart = new int[plan.tensors().size()];
        List<Stored> tensors = stored(plan, firstPart);
        Map<String, String> metadata = headerMetadata(plan.metadata());
        List<Integer> order = IntStream.range(0, tensors.size()).boxed()
                .sorted(Comparator.<Integer>comparingInt(i -> -Dtypes.rank(tensors.get(i).dtype()))
                        .thenComparing((a, b) -> JsonText.compareCodePoints(tensors.get(a).name(),
                                tensors.get(b).name())))
                .toList();
        List<List<Integer>> groups = split(order, tensors, maxShardSize);

        List<Shard> shards = new ArrayList<>();
        Map<String, String> weightMap = new LinkedHashMap<>();
        for (int g = 0; g < groups.size(); g++) {
            String fileName = groups.size() == 1 ? baseName + CheckpointFiles.WEIGHT_SUFFIX
                    : String.format("%s-%05d-of-%05d%s", baseName, g + 1, groups.size(), CheckpointFiles.WEIGHT_SUFFIX);
            shards.add(shard(fileName, groups.get(g), tensors, metadata));
            for (int i : groups.get(g)) {
                weightMap.put(tensors.get(i).name(), fileName);
            }
        }
        String indexName = baseName + ShardIndex.SUFFIX;
        Optional<byte[]> index = groups.size() > 1 ? Optional.of(indexJson(plan.dataBytes(), weightMap)) : Optional.empty();
        return new OutputLayout(tensors, firstPart, shards, indexName, index);
    }

    List<Stored> stored() {
        return stored;
    }

    /** The index in {@link #stored} of a planned tensor's part, or -1 when it has no such part. */
    int storedIndex(int tensor, int part) {
        if (tensor < 0 || tensor >= firstPart.length || part < 0) {
            return -1;
        }
        int end = tensor + 1 < firstPart.length ? firstPart[tensor + 1] : stored.size();
        return firstPart[tensor] + part < end ? firstPart[tensor] + part : -1;
    }

    List<Shard> shards() {
        return shards;
    }

    /** The index file's name, whether or not there is one. */
    String indexName() {
        return indexName;
    }

    /** The index file's content when there are several shards. */
    Optional<byte[]> index() {
        return index;
    }

    /** Every file name this layout writes. */
    Set<String> fileNames() {
        Set<String> names = new HashSet<>();
        shards.forEach(s -> names.add(s.fileName()));
        index.ifPresent(i -> names.add(indexName));
        return names;
    }

    /** Every part to store, checked; {@code firstPart[t]} receives the index of tensor t's first part. */
    private static List<Stored> stored(OutputPlan plan, int[] firstPart) {
        List<Stored> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int t = 0; t < plan.tensors().size(); t++) {
            PlannedTensor tensor = plan.tensors().get(t);
            String name = tensor.info().name();
            if (tensor.info().type() instanceof ElementType type) {
                PartSpec part = tensor.parts().getFirst();
                if (tensor.parts().size() != 1 || part.dtype() != type || !part.shape().equals(tensor.info().shape())) {
                    throw new IllegalArgumentException("tensor " + name + ": parts " + tensor.parts()
                            + " do not match the tensor's " + type + " " + tensor.info().shape());
                }
            } else if (plan.checkpoint().isEmpty()) {
                throw new IllegalArgumentException("tensor " + name + ": safetensors stores " + tensor.info().type().id()
                        + " only in a checkpoint layout its scheme describes, and this plan has none");
            }
            firstPart[t] = out.size();
            for (int p = 0; p < tensor.parts().size(); p++) {
                PartSpec part = tensor.parts().get(p);
                String partName = tensor.partNames().get(p);
                if (partName.equals(Header.METADATA_KEY) || JsonText.hasUnpairedSurrogate(partName)) {
                    throw new IllegalArgumentException("tensor name '" + partName
                            + "' cannot be stored in a safetensors header");
                }
                if (!names.add(partName)) {
                    throw new IllegalArgumentException("tensor " + partName + " is planned twice");
                }
                out.add(new Stored(partName, part.dtype(), part.shape().dims(), part.byteSize()));
            }
        }
        return out;
    }

    private static Map<String, String> headerMetadata(Metadata metadata) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("format", "pt");
        for (var e : metadata.values().entrySet()) {
            if (!e.getKey().startsWith(Metadata.SAFETENSORS_PREFIX)) {
                continue;
            }
            String key = e.getKey().substring(Metadata.SAFETENSORS_PREFIX.length());
            if (!(e.getValue() instanceof MetaValue.Str(String value))) {
                throw new IllegalArgumentException("metadata " + e.getKey() + ": safetensors metadata values are strings,"
                        + " this one is " + e.getValue().type());
            }
            if (JsonText.hasUnpairedSurrogate(key) || JsonText.hasUnpairedSurrogate(value)) {
                throw new IllegalArgumentException("metadata " + e.getKey() + " holds an unpaired UTF-16 surrogate");
            }
            out.put(key, value);
        }
        return out;
    }

    private static List<List<Integer>> split(List<Integer> order, List<Stored> tensors, long maxShardSize) {
        List<List<Integer>> groups = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long currentBytes = 0;
        for (int i : order) {
            long size = tensors.get(i).size();
            if (!current.isEmpty() && (size > maxShardSize || currentBytes + size > maxShardSize)) {
                groups.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
            current.add(i);
            currentBytes += size;
            if (size > maxShardSize) {
                groups.add(current);
                current = new ArrayList<>();
                currentBytes = 0;
            }
        }
        if (!current.isEmpty() || groups.isEmpty()) {
            groups.add(current);
        }
        return groups;
    }

    private static Shard shard(String fileName, List<Integer> members, List<Stored> tensors,
            Map<String, String> metadata) {
        StringBuilder json = new StringBuilder("{");
        JsonText.quote(json, Header.METADATA_KEY, false).append(":{");
        boolean first = true;
        for (var e : metadata.entrySet()) {
            if (!first) {
                json.append(',');
            }
            first = false;
            JsonText.quote(json, e.getKey(), false).append(':');
            JsonText.quote(json, e.getValue(), false);
        }
        json.append('}');
        long offset = 0;
        List<long[]> ranges = new ArrayList<>();
        for (int i : members) {
            Stored t = tensors.get(i);
            long size = t.size();
            json.append(',');
            JsonText.quote(json, t.name(), false).append(":{\"dtype\":\"").append(t.dtype().name())
                    .append("\",\"shape\":[");
            long[] dims = t.dims();
            for (int d = 0; d < dims.length; d++) {
                json.append(d == 0 ? "" : ",").append(dims[d]);
            }
            json.append("],\"data_offsets\":[").append(offset).append(',').append(offset + size).append("]}");
            ranges.add(new long[] {offset, size});
            offset += size;
        }
        json.append('}');

        byte[] text = json.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 7) / 8 * 8;
        if (padded > SafetensorsFile.MAX_HEADER_LENGTH) {
            throw new IllegalArgumentException(fileName + ": its header would take " + padded + " bytes, over the "
                    + SafetensorsFile.MAX_HEADER_LENGTH + " that safetensors readers accept; use max_shard_size");
        }
        byte[] head = new byte[8 + padded];
        ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).putLong(padded);
        System.arraycopy(text, 0, head, 8, text.length);
        Arrays.fill(head, 8 + text.length, head.length, (byte) ' ');

        List<Slot> slots = new ArrayList<>();
        for (int k = 0; k < members.size(); k++) {
            slots.add(new Slot(members.get(k), head.length + ranges.get(k)[0], ranges.get(k)[1]));
        }
        return new Shard(fileName, head, slots, head.length + offset);
    }

    private static byte[] indexJson(long totalSize, Map<String, String> weightMap) {
        StringBuilder json = new StringBuilder("{\n  \"metadata\": {\n    \"total_size\": ")
                .append(totalSize).append("\n  },\n  \"weight_map\": {");
        List<String> names = weightMap.keySet().stream().sorted(JsonText::compareCodePoints).toList();
        for (int k = 0; k < names.size(); k++) {
            json.append(k == 0 ? "\n    " : ",\n    ");
            JsonText.quote(json, names.get(k), true).append(": ");
            JsonText.quote(json, weightMap.get(names.get(k)), true);
        }
        json.append("\n  }\n}\n");
        return json.toString().getBytes(StandardCharsets.UTF_8);
    }
}
