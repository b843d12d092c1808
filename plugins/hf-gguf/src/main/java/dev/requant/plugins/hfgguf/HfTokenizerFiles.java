package dev.requant.plugins.hfgguf;

import dev.requant.spi.AuxFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Hugging Face tokenizer files of a GGUF's vocabulary: for SentencePiece ({@code llama}),
 * {@code tokenizer.model} with every token, score and type as they are, the special ids and
 * whether a space goes before the text; for byte-level BPE ({@code gpt2}) with a pre-tokenizer
 * {@link PreTokenizers} knows, {@code tokenizer.json} ({@link ByteLevelTokenizerJson}). Both get
 * {@code tokenizer_config.json} with the special tokens, what is added around a text (only when
 * the GGUF says so: otherwise both sides keep their default), the chat templates and the tokens
 * that are not plain pieces; and {@code special_tokens_map.json}. {@link HfTokenizer} reads them
 * back to the same vocabulary.
 */
final class HfTokenizerFiles {
    private static final Map<String, String> KIND_NAMES = Map.of("bos", "bos_token", "eos", "eos_token",
            "unk", "unk_token", "pad", "pad_token", "sep", "sep_token", "cls", "cls_token", "mask", "mask_token");

    private HfTokenizerFiles() {
    }

    /** The files, or none when the vocabulary is neither of the two or its pre-tokenizer is unknown. */
    static List<AuxFile> of(GgufVocab v, long contextLength) {
        List<AuxFile> files = new ArrayList<>();
        if (v.model().equals(GgufVocab.LLAMA) && v.scores() != null) {
            files.add(AuxFile.of(SentencePieceModel.FILE, sentencePiece(v).toBytes()));
            ObjectNode config = tokenizerConfig(v, contextLength, "LlamaTokenizer", false);
            config.put("legacy", false);
            files.add(AuxFile.of(HfTokenizer.TOKENIZER_CONFIG, Json.pretty(config)));
        } else if (v.model().equals(GgufVocab.GPT2) && PreTokenizers.known(v.pre()).isPresent()) {
            PreTokenizers.Known known = PreTokenizers.known(v.pre()).get();
            files.add(AuxFile.of(HfTokenizer.TOKENIZER_JSON, Json.pretty(ByteLevelTokenizerJson.of(v, known))));
            ObjectNode config = tokenizerConfig(v, contextLength, "PreTrainedTokenizerFast", known.cleanSpaces());
            v.addSpacePrefix().ifPresent(a -> config.put("add_prefix_space", a));
            files.add(AuxFile.of(HfTokenizer.TOKENIZER_CONFIG, Json.pretty(config)));
        } else {
            return List.of();
        }
        files.add(AuxFile.of("special_tokens_map.json", Json.pretty(specialTokensMap(v))));
        return files;
    }

    private static SentencePieceModel sentencePiece(GgufVocab v) {
        boolean byteFallback = false;
        for (int t : v.types()) {
            byteFallback |= t == TokenType.BYTE;
        }
        return new SentencePieceModel(v.tokens(), v.scores(), v.types(), SentencePieceModel.BPE,
                byteFallback, id(v, "unk"), id(v, "bos"), id(v, "eos"), id(v, "pad"), "identity",
                v.addSpacePrefix().orElse(true), false, true);
    }

    private static ObjectNode tokenizerConfig(GgufVocab v, long contextLength, String tokenizerClass,
                                              boolean cleanSpaces) {
        ObjectNode c = Json.object();
        v.addSpecial().forEach((kind, add) -> c.put("add_" + kind + "_token", add));
        ObjectNode decoder = c.putObject("added_tokens_decoder");
        for (int i = 0; i < v.tokens().size(); i++) {
            int type = v.types()[i];
            if (type == TokenType.CONTROL || type == TokenType.UNKNOWN || type == TokenType.USER_DEFINED) {
                ObjectNode t = decoder.putObject(Integer.toString(i));
                t.put("content", v.tokens().get(i));
                t.put("lstrip", false);
                t.put("normalized", false);
                t.put("rstrip", false);
                t.put("single_word", false);
                t.put("special", type != TokenType.USER_DEFINED);
            }
        }
        v.specialIds().forEach((kind, id) -> {
            String key = KIND_NAMES.get(kind);
            if (key != null) {
                c.put(key, v.tokens().get(Math.toIntExact(id)));
            }
        });
        putTemplates(c, v.chatTemplates());
        c.put("clean_up_tokenization_spaces", cleanSpaces);
        c.put("model_max_length", contextLength);
        c.put("tokenizer_class", tokenizerClass);
        return c;
    }

    /** One template as a string; several as transformers' list of {name, template}, "default" first. */
    private static void putTemplates(ObjectNode c, Map<String, String> templates) {
        if (templates.size() == 1 && templates.containsKey("")) {
            c.put("chat_template", templates.get(""));
        } else if (!templates.isEmpty()) {
            ArrayNode list = c.putArray("chat_template");
            templates.forEach((name, template) -> list.addObject().put("name", name.isEmpty() ? "default" : name)
                    .put("template", template));
        }
    }

    private static ObjectNode specialTokensMap(GgufVocab v) {
        ObjectNode m = Json.object();
        v.specialIds().forEach((kind, id) -> {
            String key = KIND_NAMES.get(kind);
            if (key != null) {
                m.put(key, v.tokens().get(Math.toIntExact(id)));
            }
        });
        return m;
    }

    private static int id(GgufVocab v, String kind) {
        Long id = v.specialIds().get(kind);
        return id == null ? -1 : Math.toIntExact(id);
    }
}
