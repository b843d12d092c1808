package dev.requant.plugins.hfllama;

import dev.requant.spi.BadInputException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Which of llama.cpp's pre-tokenizers ({@code tokenizer.ggml.pre}) a byte-level BPE
 * {@code tokenizer.json} uses. llama.cpp's converter tells them apart by hashing what the Hugging
 * Face tokenizer makes of a test text; here they are recognised by their definition: the regex a
 * {@code Split} pre-tokenizer isolates, followed by {@code ByteLevel} without its own regex, or
 * {@code ByteLevel} alone with GPT-2's regex. The regexes are those llama.cpp's llama-vocab.cpp
 * quotes as the original of each pre-tokenizer it implements. Anything else is refused, naming
 * what was found: a wrong pre-tokenizer does not fail in llama.cpp, it tokenizes differently.
 */
final class PreTokenizers {
    /** Llama 3 ({@code llama-bpe}), Qwen2 and Qwen3 ({@code qwen2}), Mistral NeMo ({@code tekken}). */
    private static final Map<String, String> SPLIT_REGEXES = Map.of(
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "llama-bpe",
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
                    + "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "qwen2",
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
                    + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
                    + "|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+", "tekken");
    /** GPT-2's pre-tokenizer: ByteLevel with its built-in regex. */
    static final String GPT2 = "gpt-2";
    /** Normalizers llama.cpp accepts with a pre-tokenizer (Qwen's tokenizer.json asks for NFC, which llama.cpp skips). */
    private static final Map<String, List<String>> NORMALIZERS = Map.of("qwen2", List.of("NFC"));

    static final Path FILE = Path.of("tokenizer.json");

    private PreTokenizers() {
    }

    static String identify(JsonNode tokenizer) throws BadInputException {
        JsonNode pre = tokenizer.path("pre_tokenizer");
        Optional<String> id = Optional.empty();
        if (isByteLevel(pre, true)) {
            id = Optional.of(GPT2);
        } else if (type(pre).equals("Sequence") && pre.path("pretokenizers").size() == 2) {
            JsonNode split = pre.path("pretokenizers").get(0);
            JsonNode bytes = pre.path("pretokenizers").get(1);
            if (type(split).equals("Split") && split.path("behavior").asString("").equals("Isolated")
                    && !split.path("invert").asBoolean(false) && isByteLevel(bytes, false)) {
                id = Optional.ofNullable(SPLIT_REGEXES.get(split.path("pattern").path("Regex").asString("")));
            }
        }
        if (id.isEmpty()) {
            throw BadInputException.of(FILE, "pre-tokenizer " + describe(pre) + " is not one llama.cpp implements"
                    + " (known here: ByteLevel as GPT-2, and Split by the regex of " + String.join(", ",
                    SPLIT_REGEXES.values().stream().sorted().toList()) + " then ByteLevel)");
        }
        JsonNode normalizer = tokenizer.path("normalizer");
        if (!normalizer.isMissingNode() && !normalizer.isNull()
                && !NORMALIZERS.getOrDefault(id.get(), List.of()).contains(type(normalizer))) {
            throw BadInputException.of(FILE, "normalizer " + describe(normalizer) + " with the " + id.get()
                    + " pre-tokenizer: llama.cpp does not normalize text so");
        }
        return id.get();
    }

    private static boolean isByteLevel(JsonNode node, boolean ownRegex) {
        return type(node).equals("ByteLevel") && !node.path("add_prefix_space").asBoolean(false)
                && node.path("use_regex").asBoolean(true) == ownRegex;
    }

    private static String type(JsonNode node) {
        return node.path("type").asString("");
    }

    /** A short description of a tokenizer.json component for messages. */
    static String describe(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return "null";
        }
        String text = node.toString();
        return text.length() > 300 ? text.substring(0, 300) + "..." : text;
    }
}
