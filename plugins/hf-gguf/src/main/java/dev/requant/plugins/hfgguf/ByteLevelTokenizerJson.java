package dev.requant.plugins.hfgguf;

import java.util.List;
import java.util.Optional;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The {@code tokenizer.json} of a GGUF's byte-level BPE vocabulary ({@code gpt2}), in the form
 * Hugging Face's converters write for Llama 3, Qwen2 and Mistral NeMo: the pre-tokenizer and
 * normalizer of its {@code tokenizer.ggml.pre}, a BPE model whose {@code ignore_merges} is what
 * llama.cpp does for that pre-tokenizer (so both sides split text alike), control and user-defined
 * tokens as added tokens, and a template that puts the bos/eos tokens around a text when the GGUF
 * adds them. {@link HfTokenizer} reads it back to the same vocabulary: normal tokens stay in the
 * model's vocabulary, {@code [PADn]} fillers are left out (they come back as unused), control and
 * user-defined tokens become added tokens. Other token types, which converters do not give
 * byte-level vocabularies, come back as normal tokens.
 */
final class ByteLevelTokenizerJson {
    private ByteLevelTokenizerJson() {
    }

    static ObjectNode of(GgufVocab v, PreTokenizers.Known known) {
        ObjectNode t = Json.object().put("version", "1.0");
        t.putNull("truncation");
        t.putNull("padding");
        ArrayNode added = t.putArray("added_tokens");
        ObjectNode model = Json.object().put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", false).put("byte_fallback", false).put("ignore_merges", known.ignoreMerges());
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < v.tokens().size(); id++) {
            String token = v.tokens().get(id);
            int type = v.types()[id];
            if (type == TokenType.CONTROL || type == TokenType.USER_DEFINED) {
                added.addObject().put("id", id).put("content", token).put("single_word", false).put("lstrip", false)
                        .put("rstrip", false).put("normalized", false).put("special", type == TokenType.CONTROL);
            } else if (type != TokenType.UNUSED || !token.equals("[PAD" + id + "]")) {
                vocab.put(token, id);
            }
        }
        known.normalizer().ifPresentOrElse(n -> t.putObject("normalizer").put("type", n), () -> t.putNull("normalizer"));
        t.set("pre_tokenizer", PreTokenizers.definition(known));
        t.set("post_processor", postProcessor(v));
        t.set("decoder", Json.object().put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true)
                .put("use_regex", true));
        ArrayNode merges = model.putArray("merges");
        v.merges().forEach(merges::add);
        t.set("model", model);
        return t;
    }

    /** ByteLevel for offsets, then the bos/eos tokens the GGUF adds around a text (and around each of a pair). */
    private static ObjectNode postProcessor(GgufVocab v) {
        ObjectNode byteLevel = Json.object().put("type", "ByteLevel").put("add_prefix_space", true)
                .put("trim_offsets", false).put("use_regex", true);
        Optional<String> bos = added(v, "bos");
        Optional<String> eos = added(v, "eos");
        if (bos.isEmpty() && eos.isEmpty()) {
            return byteLevel;
        }
        ObjectNode template = Json.object().put("type", "TemplateProcessing");
        ArrayNode single = template.putArray("single");
        ArrayNode pair = template.putArray("pair");
        for (int typeId = 0; typeId < 2; typeId++) {
            for (ArrayNode side : typeId == 0 ? List.of(single, pair) : List.of(pair)) {
                int id = typeId;
                bos.ifPresent(b -> side.addObject().putObject("SpecialToken").put("id", b).put("type_id", id));
                side.addObject().putObject("Sequence").put("id", id == 0 ? "A" : "B").put("type_id", id);
                eos.ifPresent(e -> side.addObject().putObject("SpecialToken").put("id", e).put("type_id", id));
            }
        }
        ObjectNode specials = template.putObject("special_tokens");
        for (String kind : List.of("bos", "eos")) {
            added(v, kind).ifPresent(token -> {
                ObjectNode s = specials.putObject(token).put("id", token);
                s.putArray("ids").add(v.specialIds().get(kind));
                s.putArray("tokens").add(token);
            });
        }
        ObjectNode sequence = Json.object().put("type", "Sequence");
        sequence.putArray("processors").add(byteLevel).add(template);
        return sequence;
    }

    /** The token of a kind the GGUF adds around a text, if it names one. */
    private static Optional<String> added(GgufVocab v, String kind) {
        Long id = v.specialIds().get(kind);
        return Boolean.TRUE.equals(v.addSpecial().get(kind)) && id != null
                ? Optional.of(v.tokens().get(Math.toIntExact(id))) : Optional.empty();
    }
}
