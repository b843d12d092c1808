package dev.requant.plugins.hfgguf;

import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Metadata;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The tokenizer of a Hugging Face folder as GGUF stores it, read from {@code tokenizer.model}
 * (SentencePiece) or else {@code tokenizer.json}, with {@code tokenizer_config.json} and
 * {@code config.json} for special tokens, what is added around a text, and the chat template.
 *
 * <ul>
 *   <li>{@code tokenizer.model} becomes {@code llama} with the pieces' scores and types, as
 *       convert_hf_to_gguf.py writes it. Entries of {@code added_tokens_decoder} that name a piece
 *       the model already has keep that piece's type and score (the converter would make
 *       {@code <unk>} a control token with score -1000); others become control tokens (special)
 *       or user-defined ones with score -1000.</li>
 *   <li>A {@code tokenizer.json} BPE with byte fallback and SentencePiece's normalization (a
 *       {@code ▁} put before the text, spaces as {@code ▁}; MiniCPM ships this) becomes
 *       {@code llama} too. Its scores are derived from the merges, so that llama.cpp, which merges
 *       the adjacent pair whose result scores highest, merges in the order of the merge ranks:
 *       the result of merge {@code r} scores {@code -r}. (llama.cpp's converter gives every token
 *       -1000 here, and llama.cpp then merges left to right.)</li>
 *   <li>A byte-level BPE {@code tokenizer.json} becomes {@code gpt2} with its merges and the
 *       pre-tokenizer {@link PreTokenizers} recognises.</li>
 * </ul>
 * The vocabulary has exactly {@code vocabSize} entries (the rows of the embeddings); ids without a
 * token are filled with {@code [PADn]}, unused, as llama.cpp's converter does.
 */
final class HfTokenizer {
    static final String TOKENIZER_JSON = "tokenizer.json";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    private static final String ADDED_TOKENS = "added_tokens.json";
    private static final String CHAT_TEMPLATE = "chat_template.jinja";
    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-Fa-f]{2}>");
    private static final String SPACE_MARK = "\u2581";
    private static final float PAD_SCORE = -10000f;
    private static final float ADDED_SCORE = -1000f;

    private final Metadata files;
    private final int vocabSize;
    private final JsonNode config;
    private final Optional<JsonNode> tokenizerConfig;
    private final Optional<JsonNode> tokenizerJson;

    private HfTokenizer(Metadata files, int vocabSize, JsonNode config) throws IOException {
        this.files = files;
        this.vocabSize = vocabSize;
        this.config = config;
        this.tokenizerConfig = json(files, TOKENIZER_CONFIG);
        this.tokenizerJson = json(files, TOKENIZER_JSON);
    }

    /** True when the folder has a tokenizer this class reads. */
    static boolean present(Metadata files) {
        return files.file(SentencePieceModel.FILE).isPresent() || files.file(TOKENIZER_JSON).isPresent();
    }

    static GgufVocab read(Metadata files, int vocabSize, JsonNode config) throws IOException {
        return new HfTokenizer(files, vocabSize, config).read();
    }

    private GgufVocab read() throws IOException {
        Optional<AuxFile> spm = files.file(SentencePieceModel.FILE);
        if (spm.isPresent()) {
            return sentencePiece(SentencePieceModel.parse(spm.get().bytes()));
        }
        if (tokenizerJson.isEmpty()) {
            throw BadInputException.of(Path.of(TOKENIZER_JSON), "not found, nor " + SentencePieceModel.FILE
                    + ": llama.cpp cannot load a GGUF without a tokenizer");
        }
        JsonNode tj = tokenizerJson.get();
        JsonNode model = tj.path("model");
        if (!model.path("type").asString("").equals("BPE")) {
            throw BadInputException.of(Path.of(TOKENIZER_JSON), "model type " + model.path("type")
                    + " is not BPE: only BPE tokenizers (SentencePiece-style or byte-level) convert here");
        }
        return model.path("byte_fallback").asBoolean(false) ? sentencePieceBpe(tj) : byteLevelBpe(tj);
    }

    private GgufVocab sentencePiece(SentencePieceModel sp) throws IOException {
        Path file = Path.of(SentencePieceModel.FILE);
        if (sp.modelType() != SentencePieceModel.BPE) {
            throw BadInputException.of(file, "is a SentencePiece model of type " + sp.modelType() + " (1 unigram,"
                    + " 3 word, 4 char): llama.cpp's llama tokenizer merges pieces by score, as SentencePiece BPE"
                    + " (type 2) does, so only BPE models convert");
        }
        if (sp.pieces().size() > vocabSize) {
            throw BadInputException.of(file, "has " + sp.pieces().size() + " pieces, more than the " + vocabSize
                    + " rows of the embeddings");
        }
        List<String> tokens = new ArrayList<>(sp.pieces());
        float[] scores = Arrays.copyOf(sp.scores(), vocabSize);
        int[] types = Arrays.copyOf(sp.types(), vocabSize);
        for (int i = sp.pieces().size(); i < vocabSize; i++) {
            tokens.add("[PAD" + i + "]");
            scores[i] = PAD_SCORE;
            types[i] = TokenType.UNUSED;
        }
        Optional<AuxFile> added = files.file(ADDED_TOKENS);
        if (added.isPresent()) {
            for (var e : Json.read(added.get()).properties()) {
                int id = e.getValue().asInt(-1);
                if (id >= sp.pieces().size() && id < vocabSize) {
                    tokens.set(id, e.getKey());
                    scores[id] = ADDED_SCORE;
                    types[id] = TokenType.USER_DEFINED;
                }
            }
        }
        for (var e : tokenizerConfig.map(c -> c.path("added_tokens_decoder")).orElse(Json.object()).properties()) {
            int id = parseId(e.getKey());
            String content = e.getValue().path("content").asString("");
            if (id < 0 || id >= vocabSize || (id < sp.pieces().size() && sp.pieces().get(id).equals(content))) {
                continue;
            }
            boolean special = e.getValue().path("special").asBoolean(false) || looksSpecial(content);
            tokens.set(id, special ? content : content.replace(SPACE_MARK, " "));
            scores[id] = ADDED_SCORE;
            types[id] = special ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        Optional<Boolean> prefix = addPrefixSpace().or(() -> sp.addDummyPrefix() ? Optional.empty() : Optional.of(false));
        Map<String, Long> trainerIds = new LinkedHashMap<>();
        putId(trainerIds, "unk", sp.unkId());
        putId(trainerIds, "bos", sp.bosId());
        putId(trainerIds, "eos", sp.eosId());
        putId(trainerIds, "pad", sp.padId());
        return vocab(GgufVocab.LLAMA, "default", tokens, scores, types, List.of(), prefix, trainerIds);
    }

    private GgufVocab sentencePieceBpe(JsonNode tj) throws IOException {
        boolean prefix = sentencePiecePrefix(tj);
        Table table = table(tj);
        List<String> merges = merges(tj);
        Map<String, Integer> firstRank = new HashMap<>();
        for (int r = 0; r < merges.size(); r++) {
            String m = merges.get(r);
            int space = m.indexOf(' ');
            firstRank.putIfAbsent(m.substring(0, space) + m.substring(space + 1), r);
        }
        float[] scores = new float[vocabSize];
        String unk = tj.path("model").path("unk_token").asString("");
        for (int id = 0; id < vocabSize; id++) {
            String token = table.tokens.get(id);
            Integer rank = firstRank.get(token);
            scores[id] = rank != null ? -rank : -merges.size();
            if (table.types[id] == TokenType.NORMAL && BYTE_TOKEN.matcher(token).matches()) {
                table.types[id] = TokenType.BYTE;
            } else if (token.equals(unk) && table.types[id] != TokenType.UNUSED) {
                table.types[id] = TokenType.UNKNOWN;
            }
        }
        return vocab(GgufVocab.LLAMA, "default", table.tokens, scores, table.types, List.of(),
                prefix ? Optional.empty() : Optional.of(false), Map.of());
    }

    private GgufVocab byteLevelBpe(JsonNode tj) throws IOException {
        String pre = PreTokenizers.identify(tj);
        Table table = table(tj);
        return vocab(GgufVocab.GPT2, pre, table.tokens, null, table.types, merges(tj), addPrefixSpace(), Map.of());
    }

    /**
     * Whether a SentencePiece-style tokenizer.json puts a space before the text: its normalizer
     * prepends {@code ▁} and replaces spaces by it, or (newer files) a Metaspace pre-tokenizer does.
     */
    private static boolean sentencePiecePrefix(JsonNode tj) throws BadInputException {
        JsonNode normalizer = tj.path("normalizer");
        JsonNode pre = tj.path("pre_tokenizer");
        boolean noPre = pre.isMissingNode() || pre.isNull();
        if (noPre && !normalizer.isMissingNode() && !normalizer.isNull()) {
            List<JsonNode> steps = normalizer.path("type").asString("").equals("Sequence")
                    ? normalizer.path("normalizers").values().stream().toList() : List.of(normalizer);
            boolean prepend = false;
            boolean replace = false;
            boolean other = false;
            for (JsonNode step : steps) {
                String type = step.path("type").asString("");
                if (type.equals("Prepend") && step.path("prepend").asString("").equals(SPACE_MARK)) {
                    prepend = true;
                } else if (type.equals("Replace") && step.path("pattern").path("String").asString("").equals(" ")
                        && step.path("content").asString("").equals(SPACE_MARK)) {
                    replace = true;
                } else {
                    other = true;
                }
            }
            if (replace && !other) {
                return prepend;
            }
        } else if (normalizer.isMissingNode() || normalizer.isNull()) {
            if (pre.path("type").asString("").equals("Metaspace") && pre.path("replacement").asString("").equals(SPACE_MARK)
                    && !pre.path("split").asBoolean(false)) {
                String scheme = pre.path("prepend_scheme").asString(pre.path("add_prefix_space").asBoolean(true)
                        ? "always" : "never");
                return !scheme.equals("never");
            }
        }
        throw BadInputException.of(Path.of(TOKENIZER_JSON), "a BPE with byte fallback, but its normalizer "
                + PreTokenizers.describe(normalizer) + " and pre-tokenizer " + PreTokenizers.describe(pre)
                + " are not SentencePiece's (\u2581 for spaces, optionally put before the text): llama.cpp's"
                + " llama tokenizer would not split text as it does");
    }

    /** Tokens of a tokenizer.json by id, with the added tokens, and their types so far. */
    private record Table(List<String> tokens, int[] types) {
    }

    private Table table(JsonNode tj) throws BadInputException {
        String[] byId = new String[vocabSize];
        int[] types = GgufVocab.filled(vocabSize, TokenType.NORMAL);
        for (var e : tj.path("model").path("vocab").properties()) {
            setToken(byId, e.getValue().asInt(-1), e.getKey());
        }
        for (JsonNode added : tj.path("added_tokens").values()) {
            int id = added.path("id").asInt(-1);
            String content = added.path("content").asString("");
            boolean special = added.path("special").asBoolean(false) || looksSpecial(content);
            setToken(byId, id, content);
            types[id] = special ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        List<String> tokens = new ArrayList<>(vocabSize);
        for (int i = 0; i < vocabSize; i++) {
            if (byId[i] == null) {
                tokens.add("[PAD" + i + "]");
                types[i] = TokenType.UNUSED;
            } else {
                tokens.add(byId[i]);
            }
        }
        return new Table(tokens, types);
    }

    private void setToken(String[] byId, int id, String token) throws BadInputException {
        if (id < 0 || id >= vocabSize) {
            throw BadInputException.of(Path.of(TOKENIZER_JSON), "token '" + token + "' has id " + id
                    + ", outside the " + vocabSize + " rows of the embeddings");
        }
        byId[id] = token;
    }

    /** The merges as "left right", whichever of its two forms the file uses. */
    private static List<String> merges(JsonNode tj) throws BadInputException {
        List<String> merges = new ArrayList<>();
        for (JsonNode m : tj.path("model").path("merges").values()) {
            if (m.isString() && m.asString().indexOf(' ') > 0) {
                merges.add(m.asString());
            } else if (m.isArray() && m.size() == 2) {
                // transformers 4.45+ writes pairs so that a part may hold a space; llama.cpp's
                // merges are space-separated, with a space inside a part written as U+0120
                merges.add(m.get(0).asString().replace(' ', '\u0120') + " " + m.get(1).asString().replace(' ', '\u0120'));
            } else {
                throw BadInputException.of(Path.of(TOKENIZER_JSON), "merge " + m + " is neither \"a b\" nor [a, b]");
            }
        }
        return merges;
    }

    /**
     * Special ids, as convert_hf_to_gguf.py's SpecialVocab finds them: the tokens tokenizer_config.json
     * names (looked up among the added tokens, then the vocabulary), then config.json's
     * {@code *_token_id}; last, a SentencePiece model's own ids.
     */
    private GgufVocab vocab(String model, String pre, List<String> tokens, float[] scores, int[] types,
                            List<String> merges, Optional<Boolean> prefix, Map<String, Long> fallbackIds)
            throws IOException {
        Map<String, Long> ids = new LinkedHashMap<>();
        for (String kind : GgufVocab.ID_KEYS.keySet()) {
            Optional<String> content = tokenizerConfig.flatMap(c -> tokenContent(c.path(kind + "_token")));
            content.flatMap(c -> idOf(c, tokens)).filter(id -> id < tokens.size()).ifPresent(id -> ids.put(kind, id));
        }
        for (String kind : GgufVocab.ID_KEYS.keySet()) {
            JsonNode id = config.path(kind + "_token_id");
            if (id.isIntegralNumber() && id.asLong() >= 0 && id.asLong() < tokens.size()) {
                ids.putIfAbsent(kind, id.asLong());
            }
        }
        fallbackIds.forEach(ids::putIfAbsent);
        Map<String, Boolean> add = new LinkedHashMap<>(templateAdds());
        for (String kind : GgufVocab.ADD_KINDS) {
            tokenizerConfig.map(c -> c.path("add_" + kind + "_token")).filter(JsonNode::isBoolean)
                    .ifPresent(v -> add.put(kind, v.asBoolean()));
        }
        return new GgufVocab(model, pre, List.copyOf(tokens), scores, types, List.copyOf(merges), ids, add, prefix,
                chatTemplates());
    }

    private Optional<Long> idOf(String content, List<String> tokens) {
        for (JsonNode added : tokenizerJson.map(t -> t.path("added_tokens")).orElse(Json.object()).values()) {
            if (added.path("content").asString("").equals(content) && added.path("id").isIntegralNumber()) {
                return Optional.of(added.path("id").asLong());
            }
        }
        for (var e : tokenizerConfig.map(c -> c.path("added_tokens_decoder")).orElse(Json.object()).properties()) {
            if (e.getValue().path("content").asString("").equals(content) && parseId(e.getKey()) >= 0) {
                return Optional.of((long) parseId(e.getKey()));
            }
        }
        int i = tokens.indexOf(content);
        return i >= 0 ? Optional.of((long) i) : Optional.empty();
    }

    /** Whether tokenizer.json's TemplateProcessing puts the bos token first and the eos token last. */
    private Map<String, Boolean> templateAdds() {
        Map<String, Boolean> add = new LinkedHashMap<>();
        JsonNode post = tokenizerJson.map(t -> t.path("post_processor")).orElse(Json.object());
        List<JsonNode> processors = post.path("type").asString("").equals("Sequence")
                ? post.path("processors").values().stream().toList() : List.of(post);
        for (JsonNode p : processors) {
            JsonNode single = p.path("single");
            if (!p.path("type").asString("").equals("TemplateProcessing") || single.size() < 2) {
                continue;
            }
            Optional<String> bos = tokenizerConfig.flatMap(c -> tokenContent(c.path("bos_token")));
            Optional<String> eos = tokenizerConfig.flatMap(c -> tokenContent(c.path("eos_token")));
            String first = single.get(0).path("SpecialToken").path("id").asString("");
            String last = single.get(single.size() - 1).path("SpecialToken").path("id").asString("");
            if (!first.isEmpty()) {
                add.put("bos", bos.map(first::equals).orElse(true));
            }
            if (!last.isEmpty()) {
                add.put("eos", eos.map(last::equals).orElse(true));
            }
        }
        return add;
    }

    private Map<String, String> chatTemplates() throws IOException {
        Map<String, String> templates = new LinkedHashMap<>();
        JsonNode t = tokenizerConfig.map(c -> c.path("chat_template")).orElse(Json.object());
        if (t.isString()) {
            templates.put("", t.asString());
        } else if (t.isArray()) {
            for (JsonNode named : t.values()) {
                String name = named.path("name").asString("");
                templates.put(name.equals("default") ? "" : name, named.path("template").asString(""));
            }
        } else if (files.file(CHAT_TEMPLATE).isPresent()) {
            templates.put("", new String(files.file(CHAT_TEMPLATE).get().bytes(), StandardCharsets.UTF_8));
        }
        return templates;
    }

    private Optional<Boolean> addPrefixSpace() {
        return tokenizerConfig.map(c -> c.path("add_prefix_space")).filter(JsonNode::isBoolean).map(JsonNode::asBoolean);
    }

    private static Optional<String> tokenContent(JsonNode entry) {
        if (entry.isString()) {
            return Optional.of(entry.asString());
        }
        return entry.path("content").isString() ? Optional.of(entry.path("content").asString()) : Optional.empty();
    }

    private static void putId(Map<String, Long> ids, String kind, int id) {
        if (id >= 0) {
            ids.put(kind, (long) id);
        }
    }

    private static int parseId(String key) {
        try {
            return Integer.parseInt(key);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Added tokens some models do not mark special although they are (convert_hf_to_gguf.py's
     * {@code does_token_look_special}).
     */
    static boolean looksSpecial(String token) {
        return token.equals("<pad>") || token.equals("<mask>") || token.equals("<2mass>") || token.equals("[@BOS@]")
                || token.startsWith("<|") && token.endsWith("|>")
                || token.startsWith("<\uFF5C") && token.endsWith("\uFF5C>")
                || token.startsWith("<unused") && token.endsWith(">");
    }

    private static Optional<JsonNode> json(Metadata files, String name) throws IOException {
        Optional<AuxFile> f = files.file(name);
        return f.isEmpty() ? Optional.empty() : Optional.of(Json.read(f.get()));
    }
}
