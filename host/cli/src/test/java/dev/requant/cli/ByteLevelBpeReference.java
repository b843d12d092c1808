package dev.requant.cli;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small byte-level BPE tokenizer in Llama 3's form (its pre-tokenizer regex, GPT-2's byte to
 * character map, merges that build a few words, {@code ignore_merges}), written as a
 * {@code tokenizer.json}, and its encoding by the tokenizers library's rules: split the text by
 * the regex, map each piece's UTF-8 bytes to characters, take the piece whole when it is a token,
 * else merge the adjacent pair of lowest rank, leftmost first, until no pair is a merge.
 */
final class ByteLevelBpeReference {
    static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    static final String BOS = "<|begin_of_text|>";
    static final String EOS = "<|end_of_text|>";

    private final String[] byteChars = new String[256];
    private final Map<String, Integer> vocab = new LinkedHashMap<>();
    private final Map<String, Integer> ranks = new LinkedHashMap<>();
    private final List<String[]> merges = new ArrayList<>();
    private final Pattern split = Pattern.compile(LLAMA3_REGEX);

    /** The 256 byte characters, then for each word the merges that build it left to right. */
    ByteLevelBpeReference(List<String> words) {
        // GPT-2's map: printable latin-1 bytes are themselves, the others 256 + n in byte order
        int next = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE;
            byteChars[b] = Character.toString(printable ? b : 256 + next++);
            vocab.put(byteChars[b], b);
        }
        for (String word : words) {
            List<String> chars = byteLevel(word);
            String acc = chars.getFirst();
            for (int i = 1; i < chars.size(); i++) {
                String pair = acc + " " + chars.get(i);
                if (!ranks.containsKey(pair)) {
                    ranks.put(pair, ranks.size());
                    merges.add(new String[] {acc, chars.get(i)});
                }
                acc = acc + chars.get(i);
                vocab.putIfAbsent(acc, vocab.size());
            }
        }
    }

    /** Tokens in the vocabulary, with the two special tokens after them. */
    int size() {
        return vocab.size() + 2;
    }

    String tokenizerJson() {
        Map<String, Object> model = new LinkedHashMap<>();
        model.put("type", "BPE");
        model.put("byte_fallback", false);
        model.put("ignore_merges", true);
        model.put("vocab", vocab);
        model.put("merges", merges);
        Map<String, Object> split = Map.of("type", "Split", "pattern", Map.of("Regex", LLAMA3_REGEX),
                "behavior", "Isolated", "invert", false);
        Map<String, Object> byteLevel = Map.of("type", "ByteLevel", "add_prefix_space", false, "trim_offsets", true,
                "use_regex", false);
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("added_tokens", List.of(
                Map.of("id", vocab.size(), "content", BOS, "special", true),
                Map.of("id", vocab.size() + 1, "content", EOS, "special", true)));
        root.put("normalizer", null);
        root.put("pre_tokenizer", Map.of("type", "Sequence", "pretokenizers", List.of(split, byteLevel)));
        root.put("post_processor", null);
        root.put("decoder", Map.of("type", "ByteLevel"));
        root.put("model", model);
        return JsonMapper.builder().build().writeValueAsString(root);
    }

    static String tokenizerConfigJson() {
        return "{\"bos_token\": \"" + BOS + "\", \"eos_token\": \"" + EOS + "\", \"add_bos_token\": true}";
    }

    List<Integer> encode(String text) {
        List<Integer> ids = new ArrayList<>();
        Matcher m = split.matcher(text);
        int at = 0;
        while (m.find()) {
            if (m.start() > at) {
                ids.addAll(word(text.substring(at, m.start())));
            }
            ids.addAll(word(m.group()));
            at = m.end();
        }
        if (at < text.length()) {
            ids.addAll(word(text.substring(at)));
        }
        return ids;
    }

    private List<Integer> word(String piece) {
        List<String> symbols = byteLevel(piece);
        if (vocab.containsKey(String.join("", symbols))) {
            return List.of(vocab.get(String.join("", symbols)));
        }
        while (true) {
            int best = -1;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer r = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                if (r != null && r < bestRank) {
                    best = i;
                    bestRank = r;
                }
            }
            if (best < 0) {
                return symbols.stream().map(vocab::get).toList();
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
    }

    private List<String> byteLevel(String text) {
        List<String> out = new ArrayList<>();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            out.add(byteChars[b & 0xFF]);
        }
        return out;
    }
}
