package dev.requant.plugins.hfgguf;

import dev.requant.spi.BadInputException;
import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tokenizer as GGUF stores it ({@code tokenizer.ggml.*}, {@code tokenizer.chat_template*}).
 *
 * @param model          {@code llama} (SentencePiece) or {@code gpt2} (byte-level BPE)
 * @param pre            the pre-tokenizer llama.cpp applies ({@code default}, {@code llama-bpe}, ...)
 * @param scores         one per token, or null (gpt2 has none)
 * @param merges         the BPE merges, or empty
 * @param specialIds     token ids by kind: bos, eos, unk, sep, pad, cls, mask
 * @param addSpecial     whether the tokenizer adds a token of a kind: bos, eos, sep
 * @param addSpacePrefix a space before the text, when the tokenizer says so explicitly
 * @param chatTemplates  by name, the default one under ""
 */
record GgufVocab(String model, String pre, List<String> tokens, float[] scores, int[] types, List<String> merges,
                 Map<String, Long> specialIds, Map<String, Boolean> addSpecial, Optional<Boolean> addSpacePrefix,
                 Map<String, String> chatTemplates) {
    static final String LLAMA = "llama";
    static final String GPT2 = "gpt2";

    private static final String P = "tokenizer.ggml.";
    /** GGUF's key of each kind of special token (llama.cpp spells the separator "seperator"). */
    static final Map<String, String> ID_KEYS = orderedMap("bos", "bos_token_id", "eos", "eos_token_id",
            "unk", "unknown_token_id", "sep", "seperator_token_id", "pad", "padding_token_id",
            "cls", "cls_token_id", "mask", "mask_token_id");
    static final List<String> ADD_KINDS = List.of("bos", "eos", "sep");
    private static final String TEMPLATE = "tokenizer.chat_template";

    void putInto(Metadata m) {
        m.put(P + "model", MetaValue.str(model));
        m.put(P + "pre", MetaValue.str(pre));
        m.put(P + "tokens", MetaValue.strings(tokens));
        if (scores != null) {
            List<MetaValue> s = new ArrayList<>(scores.length);
            for (float f : scores) {
                s.add(MetaValue.f32(f));
            }
            m.put(P + "scores", new MetaValue.Arr(MetaType.F32, s));
        }
        List<MetaValue> t = new ArrayList<>(types.length);
        for (int type : types) {
            t.add(MetaValue.i32(type));
        }
        m.put(P + "token_type", new MetaValue.Arr(MetaType.I32, t));
        if (!merges.isEmpty()) {
            m.put(P + "merges", MetaValue.strings(merges));
        }
        ID_KEYS.forEach((kind, key) -> {
            Long id = specialIds.get(kind);
            if (id != null) {
                m.put(P + key, MetaValue.u32(id));
            }
        });
        for (String kind : ADD_KINDS) {
            Boolean add = addSpecial.get(kind);
            if (add != null) {
                m.put(P + "add_" + kind + "_token", MetaValue.bool(add));
            }
        }
        addSpacePrefix.ifPresent(a -> m.put(P + "add_space_prefix", MetaValue.bool(a)));
        chatTemplates.forEach((name, template) ->
                m.put(name.isEmpty() ? TEMPLATE : TEMPLATE + "." + name, MetaValue.str(template)));
    }

    /** The tokenizer of a GGUF's metadata, if it has one. Special ids past the vocabulary mean none. */
    static Optional<GgufVocab> from(Metadata m) throws BadInputException {
        Optional<String> model = m.string(P + "model");
        Optional<List<MetaValue>> tokens = array(m, P + "tokens", MetaType.STRING);
        if (model.isEmpty() || tokens.isEmpty()) {
            return Optional.empty();
        }
        int n = tokens.get().size();
        float[] scores = null;
        Optional<List<MetaValue>> s = array(m, P + "scores", MetaType.F32);
        if (s.isPresent()) {
            scores = new float[n];
            for (int i = 0; i < n; i++) {
                scores[i] = (float) ((MetaValue.Real) s.get().get(i)).value();
            }
        }
        int[] types = filled(n, TokenType.NORMAL);
        Optional<List<MetaValue>> t = array(m, P + "token_type", MetaType.I32);
        if (t.isPresent()) {
            for (int i = 0; i < n; i++) {
                types[i] = (int) ((MetaValue.Int) t.get().get(i)).value();
            }
        }
        Map<String, Long> ids = new LinkedHashMap<>();
        ID_KEYS.forEach((kind, key) -> m.integer(P + key).filter(id -> id >= 0 && id < n)
                .ifPresent(id -> ids.put(kind, id)));
        Map<String, Boolean> add = new LinkedHashMap<>();
        for (String kind : ADD_KINDS) {
            bool(m, P + "add_" + kind + "_token").ifPresent(v -> add.put(kind, v));
        }
        Map<String, String> templates = new LinkedHashMap<>();
        m.values().forEach((key, value) -> {
            if (value instanceof MetaValue.Str str && (key.equals(TEMPLATE) || key.startsWith(TEMPLATE + "."))) {
                templates.put(key.equals(TEMPLATE) ? "" : key.substring(TEMPLATE.length() + 1), str.value());
            }
        });
        List<String> merges = array(m, P + "merges", MetaType.STRING).map(GgufVocab::texts).orElse(List.of());
        return Optional.of(new GgufVocab(model.get(), m.string(P + "pre").orElse("default"), texts(tokens.get()),
                scores, types, merges, ids, add, bool(m, P + "add_space_prefix"), templates));
    }

    /** An array key of the given element type; one of another type is bad input, not absent. */
    private static Optional<List<MetaValue>> array(Metadata m, String key, MetaType element) throws BadInputException {
        Optional<MetaValue> v = m.get(key);
        if (v.isEmpty()) {
            return Optional.empty();
        }
        if (!(v.get() instanceof MetaValue.Arr a) || a.elementType() != element) {
            throw BadInputException.of(Path.of(key), "is a " + v.get().type() + ", not an array of " + element);
        }
        if (!key.endsWith("tokens") && !key.endsWith("merges")) {
            int n = m.get(P + "tokens").map(t -> ((MetaValue.Arr) t).items().size()).orElse(a.items().size());
            if (a.items().size() != n) {
                throw BadInputException.of(Path.of(key), "has " + a.items().size() + " entries for " + n + " tokens");
            }
        }
        return Optional.of(a.items());
    }

    private static Optional<Boolean> bool(Metadata m, String key) {
        return m.get(key).filter(v -> v instanceof MetaValue.Bool).map(v -> ((MetaValue.Bool) v).value());
    }

    private static List<String> texts(List<MetaValue> items) {
        return items.stream().map(i -> ((MetaValue.Str) i).value()).toList();
    }

    static int[] filled(int n, int value) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, value);
        return a;
    }

    private static Map<String, String> orderedMap(String... pairs) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return java.util.Collections.unmodifiableMap(m);
    }
}
