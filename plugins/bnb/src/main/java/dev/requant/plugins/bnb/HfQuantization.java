package dev.requant.plugins.bnb;

import dev.requant.plugins.support.JsonValues;
import dev.requant.plugins.support.MalformedJsonException;
import dev.requant.spi.AuxFile;
import dev.requant.spi.Metadata;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;

/** What a Hugging Face config.json says about the checkpoint's quantization. */
final class HfQuantization {
    static final String CONFIG = "config.json";

    private HfQuantization() {
    }

    /**
     * Whether {@code quantization_config} names bitsandbytes: {@code quant_method} "bitsandbytes"
     * (transformers writes it since 4.31), or {@code load_in_4bit}/{@code load_in_8bit} in older
     * configs without a method. Empty when there is no config.json, it is not JSON, or it has no
     * {@code quantization_config}: then only the tensors can tell.
     */
    static Optional<Boolean> declaresBitsandbytes(Metadata metadata) {
        Optional<AuxFile> config = metadata.file(CONFIG);
        if (config.isEmpty()) {
            return Optional.empty();
        }
        Object root;
        try {
            root = JsonValues.parse(config.get().bytes(), true);
        } catch (IOException | MalformedJsonException e) {
            return Optional.empty();
        }
        if (!(root instanceof Map<?, ?> map) || !(map.get("quantization_config") instanceof Map<?, ?> q)) {
            return Optional.empty();
        }
        if (q.get("quant_method") instanceof String method) {
            return Optional.of(method.startsWith("bitsandbytes"));
        }
        return Optional.of(Boolean.TRUE.equals(q.get("load_in_4bit")) || Boolean.TRUE.equals(q.get("load_in_8bit")));
    }
}
