package dev.requant.plugins.safetensors;

import dev.requant.spi.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JsonToken;

/**
 * A {@code model.safetensors.index.json}: {@code {"metadata": {...}, "weight_map": {tensor: shard}}}.
 * Only {@code weight_map} is used; {@code metadata} ({@code total_size}, transformers'
 * {@code total_parameters}, anything else) and unknown keys are skipped, whatever JSON they hold.
 *
 * @param file      the index file
 * @param weightMap tensor name to shard file name, in file order
 */
record ShardIndex(Path file, Map<String, String> weightMap) {
    /** The index file name of a checkpoint whose single-file name would be {@code model.safetensors}. */
    static final String DEFAULT_NAME = "model.safetensors.index.json";
    /** What every index file name ends with. */
    static final String SUFFIX = ".safetensors.index.json";

    ShardIndex {
        weightMap = Collections.unmodifiableMap(weightMap);
    }

    static ShardIndex read(Path file) throws IOException {
        byte[] json = Files.readAllBytes(file);
        Map<String, String> weightMap = null;
        try (JsonCursor c = JsonCursor.open(file, 0, json, "the index")) {
            while (c.next() == JsonToken.PROPERTY_NAME) {
                if (c.name().equals("weight_map")) {
                    weightMap = readWeightMap(c);
                } else {
                    c.next();
                    c.skipValue();
                }
            }
            c.endDocument();
        }
        if (weightMap == null) {
            throw BadInputException.at(file, 0, "the index has no \"weight_map\"");
        }
        return new ShardIndex(file, weightMap);
    }

    private static Map<String, String> readWeightMap(JsonCursor c) throws BadInputException {
        c.next(JsonToken.START_OBJECT, "weight_map (an object of tensor name to shard file name)");
        Map<String, String> map = new LinkedHashMap<>();
        while (c.next() == JsonToken.PROPERTY_NAME) {
            String tensor = c.name();
            c.next();
            String shard = c.string("weight_map entry of tensor '" + tensor + "'");
            if (!isPlainFileName(shard)) {
                throw c.error("weight_map entry of tensor '" + tensor + "': \"" + shard
                        + "\" is not a file name in the index's folder");
            }
            map.put(tensor, shard);
        }
        return map;
    }

    /** Shards are looked up beside the index only: a name must not lead anywhere else. */
    private static boolean isPlainFileName(String name) {
        return !name.isEmpty() && !name.equals(".") && !name.equals("..")
                && name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
    }

    /**
     * The shard files, each once, in name order: the {@code -00001-of-0000N} numbering, which the
     * weight_map's own order need not follow (mlx-lm sorts it by tensor name).
     */
    List<Path> shards() {
        Path folder = file.toAbsolutePath().getParent();
        return weightMap.values().stream().distinct().sorted(JsonText::compareCodePoints).map(folder::resolve).toList();
    }
}
