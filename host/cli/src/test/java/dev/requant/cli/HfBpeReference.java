package dev.requant.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * An independent reading of a Hugging Face {@code tokenizer.json} BPE with byte fallback (as
 * MiniCPM ships), written from the tokenizers library's rules and nothing of requant: the
 * normalizer's Prepend and Replace steps in order, one symbol per character (a character missing
 * from the vocabulary becomes its UTF-8 bytes as {@code <0xNN>} tokens), then repeatedly the
 * adjacent pair with the lowest merge rank is merged, the leftmost on a tie, until no pair is a
 * merge. Added tokens are not looked for in the text: the texts given to it hold none.
 */
final class HfBpeReference {
    private final Map<String, Integer> vocab = new HashMap<>();
    private final Map<String, Integer> ranks = new HashMap<>();
    private final List<JsonNode> normalizers = new ArrayList<>();

    HfBpeReference(Path tokenizerJson) throws IOException {
        JsonNode root = JsonMapper.builder().build().readTree(tokenizerJson.toFile());
        JsonNode model = root.path("model");
        if (!model.path("type").asString().equals("BPE") || !model.path("byte_fallback").asBoolean()) {
            throw new IllegalArgumentException("not a byte-fallback BPE");
        }
        model.path("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().asInt()));
        int rank = 0;
        for (JsonNode m : model.path("merges").values()) {
            String pair = m.isArray() ? m.get(0).asString() + " " + m.get(1).asString() : m.asString();
            ranks.putIfAbsent(pair, rank++);
        }
        JsonNode n = root.path("normalizer");
        if (n.path("type").asString().equals("Sequence")) {
            n.path("normalizers").values().forEach(normalizers::add);
        } else if (!n.isNull() && !n.isMissingNode()) {
            normalizers.add(n);
        }
    }

    List<Integer> encode(String text) {
        String s = text;
        for (JsonNode step : normalizers) {
            switch (step.path("type").asString()) {
                case "Prepend" -> s = step.path("prepend").asString() + s;
                case "Replace" -> s = s.replace(step.path("pattern").path("String").asString(),
                        step.path("content").asString());
                default -> throw new IllegalArgumentException("normalizer " + step);
            }
        }
        List<String> symbols = new ArrayList<>();
        s.codePoints().forEach(cp -> {
            String ch = Character.toString(cp);
            if (vocab.containsKey(ch)) {
                symbols.add(ch);
            } else {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                    symbols.add(String.format("<0x%02X>", b & 0xFF));
                }
            }
        });
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
                break;
            }
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        return symbols.stream().map(vocab::get).toList();
    }
}
