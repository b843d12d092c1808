package dev.requant.plugins.gguf;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Everything before the tensor data of one GGUF file, checked against the file's size.
 *
 * @param kvs        the key/values in file order, by key
 * @param dataOffset where the data section starts in the file
 */
record GgufHeader(Path file, int version, long alignment, Map<String, GgufKv> kvs, List<GgufTensorInfo> tensors,
        long dataOffset) {

    Optional<GgufKv> kv(String key) {
        return Optional.ofNullable(kvs.get(key));
    }
}
