package dev.requant.plugins.hfgguf;

import dev.requant.spi.BadInputException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Which of llama.cpp's pre-tokenizers ({@code tokenizer.ggml.pre}) a byte-level BPE
 * {@code tokenizer.json} uses, and back. llama.cpp's converter tells them apart by hashing what
 * the Hugging Face tokenizer makes of a test text; here they are recognised by their definition:
 * the regex a {@code Split} pre-tokenizer isolates, followed by {@code ByteLevel} without its own
 * regex, or {@code ByteLevel} alone with GPT-2's regex. The regexes are those llama.cpp's
 * llama-vocab.cpp quotes as the original of each pre-tokenizer it implements. Anything else is
 * refused, naming what was found: a wrong pre-tokenizer does not fail in llama.cpp, it tokenizes
 * differently.
 */
final class PreTokenizers {
    /** GPT-2's pre-tokenizer: ByteLevel with its built-in regex. */
    static final String GPT2 = "gpt-2";
    static final Path FILE = Path.of("tokenizer.json");

    /**
     * What llama.cpp does for one pre-tokenizer id, as llama-vocab.cpp sets it: the regex it splits
     * by (none: GPT-2's own), whether a piece that is a token is taken whole before merging
     * ({@code ignore_merges}), whether decoding cleans spaces before punctuation, and the
     * normalizer it accepts in a tokenizer.json (Qwen's asks for NFC, which llama.cpp skips).
     */
    record Known(Optional<String> regex, boolean ignoreMerges, boolean cleanSpaces, Optional<String> normalizer) {
    }

    /** Llama 3 ({@code llama-bpe}), Qwen2 and Qwen3 ({@code qwen2}), Mistral NeMo ({@code tekken}), GPT-2. */
    private static final Map<String, Known> KNOWN = known();

    private static Map<String, Known> known() {
        Map<String, Known> k = new LinkedHashMap<>();
        k.put(GPT2, new Known(Optional.empty(), false, true, Optional.empty()));
        k.put("llama-bpe", new Known(Optional.of("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"), true, true, Optional.empty()));
        k.put("qwen2", new Known(Optional.of("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"), false, false, Optional.of("NFC")));
        k.put("tekken", new Known(Optional.of("[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*"
                + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+"
                + "[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"),
                true, false, Optional.empty()));
        return Map.copyOf(k);
    }

    private PreTokenizers() {
    }

    static String identify(JsonNode tokenizer) throws BadInputException {
        JsonNode pre = tokenizer.path("pre_tokenizer");
        Optional<String> regex = Optional.empty();
        boolean recognised = false;
        if (isByteLevel(pre, true)) {
            recognised = true;
        } else if (type(pre).equals("Sequence") && pre.path("pretokenizers").size() == 2) {
            JsonNode split = pre.path("pretokenizers").get(0);
            JsonNode bytes = pre.path("pretokenizers").get(1);
            if (type(split).equals("Split") && split.path("behavior").asString("").equals("Isolated")
                    && !split.path("invert").asBoolean(false) && isByteLevel(bytes, false)) {
                regex = Optional.of(split.path("pattern").path("Regex").asString(""));
                recognised = true;
            }
        }
        Optional<String> regexFound = regex;
        Optional<String> id = recognised ? KNOWN.entrySet().stream()
                .filter(e -> e.getValue().regex().equals(regexFound)).map(Map.Entry::getKey).findFirst()
                : Optional.empty();
        if (id.isEmpty()) {
            throw BadInputException.of(FILE, "pre-tokenizer " + describe(pre) + " is not one llama.cpp implements"
                    + " (known here: ByteLevel as GPT-2, and Split by the regex of " + String.join(", ",
                    KNOWN.keySet().stream().filter(k -> !k.equals(GPT2)).sorted().toList()) + " then ByteLevel)");
        }
        JsonNode normalizer = tokenizer.path("normalizer");
        if (!normalizer.isMissingNode() && !normalizer.isNull()
                && !KNOWN.get(id.get()).normalizer().equals(Optional.of(type(normalizer)))) {
            throw BadInputException.of(FILE, "normalizer " + describe(normalizer) + " with the " + id.get()
                    + " pre-tokenizer: llama.cpp does not normalize text so");
        }
        return id.get();
    }

    /** What llama.cpp does for a pre-tokenizer id, if it is one this class knows. */
    static Optional<Known> known(String id) {
        return Optional.ofNullable(KNOWN.get(id));
    }

    /** tokenizer.json's {@code pre_tokenizer} that {@link #identify} reads as {@code known}. */
    static ObjectNode definition(Known known) {
        if (known.regex().isEmpty()) {
            return byteLevel(true);
        }
        ObjectNode sequence = Json.object().put("type", "Sequence");
        ObjectNode split = sequence.putArray("pretokenizers").addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", known.regex().get());
        split.put("behavior", "Isolated").put("invert", false);
        sequence.withArray("pretokenizers").add(byteLevel(false));
        return sequence;
    }

    /** ByteLevel as Hugging Face's converters write it, with or without GPT-2's own regex. */
    static ObjectNode byteLevel(boolean ownRegex) {
        return Json.object().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", ownRegex);
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
