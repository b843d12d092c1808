package dev.requant.plugins.hfgguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Metadata;
import dev.requant.testdata.TestData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class HfTokenizerTest {
    private static final Path TESTDATA = TestData.root();
    private static final Path STORIES = TESTDATA.resolve("fixtures/hf/stories260K-hf");
    private static final Path MINICPM = TESTDATA.resolve("data/hf/minicpm3-4b");
    private static final String LLAMA3_REGEX = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?\\\\p{L}+"
            + "|\\\\p{N}{1,3}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n]*|\\\\s*[\\\\r\\\\n]+|\\\\s+(?!\\\\S)|\\\\s+";
    private static final String QWEN2_REGEX = LLAMA3_REGEX.replace("\\\\p{N}{1,3}", "\\\\p{N}");

    private static Metadata folder(Path dir) throws IOException {
        Metadata m = new Metadata();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                if (!p.toString().endsWith(".safetensors")) {
                    m.putFile(AuxFile.of(p));
                }
            }
        }
        return m;
    }

    private static GgufVocab read(Metadata files, int vocabSize) throws IOException {
        JsonNode config = files.file(HfConfig.FILE).isPresent() ? Json.read(files.file(HfConfig.FILE).get()) : Json.object();
        return HfTokenizer.read(files, vocabSize, config);
    }

    @Test
    void aSentencePieceModelKeepsItsPiecesScoresAndTypes() throws IOException {
        GgufVocab v = read(folder(STORIES), 512);
        SentencePieceModel sp = SentencePieceModel.parse(Files.readAllBytes(STORIES.resolve("tokenizer.model")));
        assertThat(v.model()).isEqualTo("llama");
        assertThat(v.pre()).isEqualTo("default");
        assertThat(v.tokens()).isEqualTo(sp.pieces());
        assertThat(v.scores()).containsExactly(sp.scores());
        // added_tokens_decoder names <unk>, <s>, </s>: pieces the model has, so they keep their types
        assertThat(v.types()).containsExactly(sp.types());
        assertThat(v.specialIds()).containsExactlyInAnyOrderEntriesOf(Map.of("unk", 0L, "bos", 1L, "eos", 2L));
        assertThat(v.addSpecial()).containsExactlyInAnyOrderEntriesOf(Map.of("bos", true, "eos", false));
        assertThat(v.addSpacePrefix()).isEmpty();
        assertThat(v.merges()).isEmpty();
        assertThat(v.chatTemplates()).isEmpty();
    }

    @Test
    void addedTokensBeyondThePiecesAreControlOrUserDefinedAndTheRestIsPadding() throws IOException {
        Metadata files = folder(STORIES);
        files.putFile(AuxFile.of("tokenizer_config.json", """
                {"added_tokens_decoder": {
                   "1": {"content": "<s>", "special": true},
                   "512": {"content": "<|im_start|>", "special": false},
                   "513": {"content": "my\u2581word", "special": false}},
                 "eos_token": "<|im_start|>", "chat_template": "{{ messages }}"}
                """.getBytes(StandardCharsets.UTF_8)));
        GgufVocab v = read(files, 515);
        assertThat(v.tokens().subList(512, 515)).containsExactly("<|im_start|>", "my word", "[PAD514]");
        assertThat(new int[] {v.types()[512], v.types()[513], v.types()[514]})
                .containsExactly(TokenType.CONTROL, TokenType.USER_DEFINED, TokenType.UNUSED);
        assertThat(new float[] {v.scores()[512], v.scores()[513], v.scores()[514]})
                .containsExactly(-1000f, -1000f, -10000f);
        assertThat(v.types()[1]).isEqualTo(TokenType.CONTROL);
        assertThat(v.specialIds()).containsEntry("eos", 512L).containsEntry("bos", 1L);
        assertThat(v.chatTemplates()).containsExactly(Map.entry("", "{{ messages }}"));
    }

    @Test
    void aUnigramSentencePieceModelIsRefused() throws IOException {
        SentencePieceModel sp = SentencePieceModel.parse(Files.readAllBytes(STORIES.resolve("tokenizer.model")));
        SentencePieceModel unigram = new SentencePieceModel(sp.pieces(), sp.scores(), sp.types(),
                SentencePieceModel.UNIGRAM, true, 0, 1, 2, -1, "nmt_nfkc", true, true, true);
        Metadata files = new Metadata().putFile(AuxFile.of("tokenizer.model", unigram.toBytes()));
        assertThatThrownBy(() -> read(files, 512)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("tokenizer.model: is a SentencePiece model of type 1");
    }

    @Test
    void minicpmsTokenizerJsonBecomesALlamaVocabularyScoredByItsMerges() throws IOException {
        GgufVocab v = read(folder(MINICPM), 73448);
        assertThat(v.model()).isEqualTo("llama");
        assertThat(v.tokens()).hasSize(73448);
        assertThat(v.tokens().subList(0, 3)).containsExactly("<unk>", "<s>", "</s>");
        assertThat(v.tokens().get(73440)).isEqualTo("<|im_end|>");
        assertThat(v.types()[0]).isEqualTo(TokenType.UNKNOWN);
        assertThat(v.types()[1]).isEqualTo(TokenType.CONTROL);
        assertThat(v.types()[73440]).isEqualTo(TokenType.CONTROL);
        assertThat(v.tokens().get(1089)).isEqualTo("<0x00>");
        assertThat(v.types()[1089]).isEqualTo(TokenType.BYTE);
        assertThat(v.types()[1344]).isEqualTo(TokenType.BYTE);
        int pair = v.tokens().indexOf("\u2581\u2581"); // merges[3] is "▁ ▁"
        assertThat(v.scores()[pair]).isEqualTo(-3f);
        assertThat(v.scores()[v.tokens().indexOf("<img>")]).isEqualTo(-104297f); // no merge makes it
        assertThat(v.specialIds()).containsEntry("bos", 1L).containsEntry("eos", 73440L).containsEntry("unk", 0L);
        assertThat(v.addSpecial()).containsEntry("bos", true).containsEntry("eos", false);
        assertThat(v.addSpacePrefix()).isEmpty();
        assertThat(v.chatTemplates().get("")).startsWith("{%- macro json_to_python_type");
    }

    private static Metadata byteLevel(String preTokenizer, String normalizer) {
        String json = """
                {"added_tokens": [{"id": 5, "content": "<|end|>", "special": true},
                                  {"id": 6, "content": "tool", "special": false}],
                 "normalizer": %s, "pre_tokenizer": %s,
                 "decoder": {"type": "ByteLevel"},
                 "model": {"type": "BPE", "byte_fallback": false,
                           "vocab": {"a": 0, "b": 1, "ab": 2, "\u0120": 3, "a b": 4},
                           "merges": [["a", "b"], ["a", " b"]]}}
                """.formatted(normalizer, preTokenizer);
        return new Metadata().putFile(AuxFile.of("tokenizer.json", json.getBytes(StandardCharsets.UTF_8)));
    }

    private static String split(String regex) {
        return "{\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\", \"pattern\": {\"Regex\": \"" + regex
                + "\"}, \"behavior\": \"Isolated\", \"invert\": false}, {\"type\": \"ByteLevel\","
                + " \"add_prefix_space\": false, \"trim_offsets\": true, \"use_regex\": false}]}";
    }

    @Test
    void byteLevelTokenizersBecomeGpt2WithThePreTokenizerTheirRegexNames() throws IOException {
        GgufVocab llama3 = read(byteLevel(split(LLAMA3_REGEX), "null"), 8);
        assertThat(llama3.model()).isEqualTo("gpt2");
        assertThat(llama3.pre()).isEqualTo("llama-bpe");
        assertThat(llama3.scores()).isNull();
        assertThat(llama3.tokens()).containsExactly("a", "b", "ab", "\u0120", "a b", "<|end|>", "tool", "[PAD7]");
        assertThat(llama3.types()).containsExactly(1, 1, 1, 1, 1, TokenType.CONTROL, TokenType.USER_DEFINED,
                TokenType.UNUSED);
        // a part holding a space is written with U+0120, as convert_hf_to_gguf.py does
        assertThat(llama3.merges()).containsExactly("a b", "a \u0120b");
        assertThat(read(byteLevel(split(QWEN2_REGEX), "{\"type\": \"NFC\"}"), 8).pre()).isEqualTo("qwen2");
        assertThat(read(byteLevel("{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}", "null"), 8)
                .pre()).isEqualTo("gpt-2");
    }

    @Test
    void anUnknownPreTokenizerOrNormalizerIsRefusedNamingIt() {
        assertThatThrownBy(() -> read(byteLevel(split("\\\\p{L}+|\\\\p{N}+"), "null"), 8))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("tokenizer.json: pre-tokenizer {\"type\":\"Sequence\"")
                .hasMessageContaining("\\\\p{L}+|\\\\p{N}+")
                .hasMessageContaining("is not one llama.cpp implements (known here: ByteLevel as GPT-2, and Split by"
                        + " the regex of llama-bpe, qwen2, tekken then ByteLevel)");
        assertThatThrownBy(() -> read(byteLevel(split(LLAMA3_REGEX), "{\"type\": \"NFKC\"}"), 8))
                .hasMessageContaining("normalizer {\"type\":\"NFKC\"} with the llama-bpe pre-tokenizer");
        assertThatThrownBy(() -> read(byteLevel("{\"type\": \"Whitespace\"}", "null"), 8))
                .hasMessageContaining("pre-tokenizer {\"type\":\"Whitespace\"} is not one llama.cpp implements");
    }

    @Test
    void aByteFallbackBpeMustNormalizeAsSentencePieceDoes() throws IOException {
        String json = """
                {"normalizer": {"type": "NFKC"}, "pre_tokenizer": null,
                 "model": {"type": "BPE", "byte_fallback": true, "vocab": {"a": 0}, "merges": []}}
                """;
        Metadata files = new Metadata().putFile(AuxFile.of("tokenizer.json", json.getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> read(files, 1)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("normalizer {\"type\":\"NFKC\"} and pre-tokenizer null are not SentencePiece's");
        String metaspace = json.replace("{\"type\": \"NFKC\"}", "null").replace("\"pre_tokenizer\": null",
                "\"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"\u2581\", \"prepend_scheme\": \"never\","
                        + " \"split\": false}");
        Metadata never = new Metadata().putFile(AuxFile.of("tokenizer.json", metaspace.getBytes(StandardCharsets.UTF_8)));
        assertThat(read(never, 1).addSpacePrefix()).contains(false);
    }

    @Test
    void aFolderWithoutTokenizerOrWithAnotherModelIsRefused() {
        assertThatThrownBy(() -> read(new Metadata(), 4)).isInstanceOf(BadInputException.class)
                .hasMessage("tokenizer.json: not found, nor tokenizer.model: llama.cpp cannot load a GGUF without a tokenizer");
        Metadata wordPiece = new Metadata().putFile(AuxFile.of("tokenizer.json",
                "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}".getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> read(wordPiece, 4)).hasMessageContaining("model type \"WordPiece\" is not BPE");
        Metadata outOfRange = byteLevel(split(LLAMA3_REGEX), "null");
        assertThatThrownBy(() -> read(outOfRange, 6))
                .hasMessage("tokenizer.json: token 'tool' has id 6, outside the 6 rows of the embeddings");
    }

    @Test
    void theVocabularyWritesTheKeysLlamaCppReads() throws IOException {
        Metadata m = new Metadata();
        read(byteLevel(split(LLAMA3_REGEX), "null"), 8).putInto(m);
        assertThat(m.values().keySet()).containsExactly("tokenizer.ggml.model", "tokenizer.ggml.pre",
                "tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges");
        GgufVocab back = GgufVocab.from(m).orElseThrow();
        assertThat(back.tokens()).hasSize(8);
        assertThat(back.merges()).containsExactly("a b", "a \u0120b");
        assertThat(GgufVocab.from(new Metadata())).isEqualTo(Optional.empty());
    }

    @Test
    void aByteLevelVocabularyWrittenAsTokenizerJsonReadsBackTheSame() throws IOException {
        String tekkenRegex = "[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?[\\\\p{Lu}\\\\p{Lt}\\\\p{Lm}\\\\p{Lo}\\\\p{M}]*"
                + "[\\\\p{Ll}\\\\p{Lm}\\\\p{Lo}\\\\p{M}]+|[^\\\\r\\\\n\\\\p{L}\\\\p{N}]?"
                + "[\\\\p{Lu}\\\\p{Lt}\\\\p{Lm}\\\\p{Lo}\\\\p{M}]+[\\\\p{Ll}\\\\p{Lm}\\\\p{Lo}\\\\p{M}]*"
                + "|\\\\p{N}| ?[^\\\\s\\\\p{L}\\\\p{N}]+[\\\\r\\\\n/]*|\\\\s*[\\\\r\\\\n]+"
                + "|\\\\s+(?!\\\\S)|\\\\s+";
        Map<String, Metadata> sources = Map.of(
                "llama-bpe", byteLevel(split(LLAMA3_REGEX), "null"),
                "qwen2", byteLevel(split(QWEN2_REGEX), "{\"type\": \"NFC\"}"),
                "tekken", byteLevel(split(tekkenRegex), "null"),
                "gpt-2", byteLevel("{\"type\": \"ByteLevel\", \"add_prefix_space\": false, \"use_regex\": true}", "null"));
        String config = """
                {"bos_token": "<|end|>", "eos_token": "<|end|>", "add_bos_token": true, "add_prefix_space": false,
                 "chat_template": "{{ messages }}"}
                """;
        for (var source : sources.entrySet()) {
            Metadata files = source.getValue().putFile(AuxFile.of("tokenizer_config.json", config.getBytes(StandardCharsets.UTF_8)));
            GgufVocab original = read(files, 8);
            assertThat(original.pre()).isEqualTo(source.getKey());
            assertThat(original.addSpecial()).containsEntry("bos", true);
            Metadata written = new Metadata();
            HfTokenizerFiles.of(original, 4096).forEach(written::putFile);
            assertThat(written.file("tokenizer.json")).as(source.getKey()).isPresent();
            GgufVocab back = read(written, 8);
            assertThat(back).usingRecursiveComparison().as(source.getKey()).isEqualTo(original);
            JsonNode json = Json.read(written.file("tokenizer.json").get());
            assertThat(json.path("model").path("ignore_merges").asBoolean())
                    .isEqualTo(source.getKey().equals("llama-bpe") || source.getKey().equals("tekken"));
            assertThat(json.path("model").path("vocab").has("[PAD7]")).isFalse();
        }
    }

    @Test
    void aByteLevelVocabularyWithAPreTokenizerItDoesNotKnowGetsNoTokenizerFiles() throws IOException {
        GgufVocab llama3 = read(byteLevel(split(LLAMA3_REGEX), "null"), 8);
        GgufVocab other = new GgufVocab(llama3.model(), "deepseek-coder", llama3.tokens(), null, llama3.types(),
                llama3.merges(), llama3.specialIds(), llama3.addSpecial(), llama3.addSpacePrefix(), llama3.chatTemplates());
        assertThat(HfTokenizerFiles.of(other, 4096)).isEmpty();
    }
}
