package dev.requant.cli;

import static dev.requant.cli.LlamaCppRuns.ids;
import static dev.requant.cli.LlamaCppRuns.leadingAgreement;
import static dev.requant.cli.LlamaCppRuns.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * llama.cpp (node-llama-cpp's prebuilt CPU build, as in {@link LlamaCppIT}) runs the GGUF files
 * hf-to-gguf and gguf-to-hf make: stories260K's Hugging Face folder must give exactly the greedy
 * tokens of stories260K.gguf, and so must stories260K.gguf after a trip through Hugging Face
 * layout; the bnb NF4 and GPTQ versions of the same model must write its story; MiniCPM's
 * tokenizer.json, converted, must split text (Chinese included) into the ids the Hugging Face
 * tokenizer's own rules give ({@link HfBpeReference}), and so must a byte-level BPE in Llama 3's
 * form, which becomes llama.cpp's {@code llama-bpe} ({@link ByteLevelBpeReference}), and that GGUF
 * after a trip through Hugging Face layout, whose rebuilt tokenizer.json must give the same
 * tokenizer keys back. Hugging Face's JavaScript tokenizers (tokenizers.js) read the original and
 * the rebuilt tokenizer.json files and must split the texts the same way.
 */
class HfLlamaCppIT {
    private static final Path FIXTURES = Cli.TESTDATA.resolve("fixtures/hf");
    private static final Path MINICPM = Cli.TESTDATA.resolve("data/hf/minicpm3-4b");
    private static final Path EXAMPLES = Path.of(System.getProperty("requant.config")).resolveSibling("examples");
    private static final List<String> QUANTIZED = List.of("stories260K_bnb_nf4_dq", "stories260K_gptq_v1_4bit_g32_sym_act");
    /** The preset the bnb and GPTQ recipes are run with here: their default, llama.cpp's Q4_K_M mixture. */
    private static final String RECIPE_PRESET = "q4_k_m";
    private static final String PROMPT = "Once upon a time";
    private static final int COUNT = 64;
    /** ", there was a little girl named Lily": the 8-bit and 4-bit files must start as F32 does. */
    private static final int MIN_LEADING_TOKENS = 8;
    /**
     * Texts for MiniCPM's tokenizer. The three after the first four are split differently when all
     * scores are -1000, as llama.cpp's converter writes them for a tokenizer.json (llama.cpp then
     * merges left to right): with scores from the merge ranks they must come out as Hugging Face's.
     */
    private static final List<String> TEXTS = List.of("Hello world", "The quick brown fox jumps over the lazy dog.",
            "我想在apple工作1314151天～", "今天天气很好，我们去公园散步吧。",
            "unbelievably disproportionate antidisestablishmentarianism", "人工智能是计算机科学的一个分支，它企图了解智能的实质。",
            "aaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbb", "MiniCPM 是一个端侧大模型", "  two  spaces\tand a tab",
            "naïve café, 1999 🦙 llamas");

    /** Texts for the byte-level (Llama 3 style) tokenizer: contractions, digits in threes, spaces, UTF-8. */
    private static final List<String> BYTE_LEVEL_TEXTS = List.of("The cat sat on the mat.",
            "the morning and the cat sat", "Singing 123456 cats!!", "  spaces\n\nnew lines",
            "naïve café 日本語 🦙", "I'm sure you've seen THE cat's mat");
    private static final ByteLevelBpeReference BYTE_LEVEL = new ByteLevelBpeReference(List.of("The", " the", " cat",
            " sat", " on", " mat", " morning", " and", "ing", "123", " spaces", "'s"));

    @TempDir
    static Path dir;

    private static final Map<String, JsonNode> results = new LinkedHashMap<>();
    private static JsonNode tokenized;
    private static JsonNode byteLevelTokenized;
    private static JsonNode byteLevelRoundTripTokenized;
    private static Cli.Result byteLevelInspect;
    private static Path byteLevelHf;
    /** tokenizers.js on MiniCPM's tokenizer.json, the byte-level one, and the one gguf-to-hf rebuilt. */
    private static JsonNode hfTokenized;

    /** What the bnb and GPTQ runs read: the quantized checkpoints themselves. */
    private static Path input(String fixture) {
        return FIXTURES.resolve(fixture);
    }

    @BeforeAll
    static void convertAndRun() throws IOException {
        Map<String, Path> models = new LinkedHashMap<>();
        models.put("stories f32", HfGgufConversionTest.STORIES);
        models.put("hf f32", convert(HfGgufConversionTest.STORIES_HF, "hf-f32.gguf", "--type", "f32"));
        models.put("hf q8_0", convert(HfGgufConversionTest.STORIES_HF, "hf-q8_0.gguf", "--type", "q8_0"));
        Path hf = HfGgufConversionTest.convert(HfGgufConversionTest.STORIES, dir.resolve("stories-hf"));
        models.put("round trip f32", convert(hf, "round-trip.gguf", "--type", "f32"));
        for (String fixture : QUANTIZED) {
            models.put(fixture + " expected f32", convert(FIXTURES.resolve(fixture).resolve("expected.safetensors"),
                    fixture + "-expected.gguf", "--type", "f32"));
            models.put(fixture + " f32", convert(input(fixture), fixture + "-f32.gguf", "--type", "f32"));
            models.put(fixture + " recipe", recipe(fixture));
            models.put(fixture + " q4_0", convert(input(fixture), fixture + "-q4_0.gguf", "--type", "q4_0"));
        }
        models.put("minicpm", convert(miniCpm(), "minicpm.gguf"));
        models.put("byte-level bpe", convert(byteLevel(), "byte-level.gguf"));
        byteLevelInspect = Cli.run("inspect", models.get("byte-level bpe").toString());
        byteLevelHf = HfGgufConversionTest.convert(models.get("byte-level bpe"), dir.resolve("byte-level-hf"));
        models.put("byte-level round trip", convert(byteLevelHf, "byte-level-round-trip.gguf"));

        List<Map<String, Object>> runs = new ArrayList<>();
        models.forEach((label, model) -> runs.add(Map.of("model", model.toString(), "logits", true)));
        runs.add(Map.of("model", models.get("minicpm").toString(), "texts", TEXTS));
        runs.add(Map.of("model", models.get("byte-level bpe").toString(), "texts", BYTE_LEVEL_TEXTS));
        runs.add(Map.of("model", models.get("byte-level round trip").toString(), "texts", BYTE_LEVEL_TEXTS));
        String spec = JsonMapper.builder().build().writeValueAsString(Map.of("prompt", PROMPT, "count", COUNT, "runs", runs));
        long start = System.nanoTime();
        JsonNode out = NodeTools.run("generate.mjs", List.of(spec));
        System.out.printf(Locale.ROOT, "llama.cpp %s (node-llama-cpp %s) ran %d GGUF files in %.1f s, greedy from \"%s\":%n",
                out.get("llamaCpp").asString(), out.get("nodeLlamaCpp").asString(), models.size(),
                (System.nanoTime() - start) / 1e9, PROMPT);
        List<String> labels = List.copyOf(models.keySet());
        for (int i = 0; i < labels.size(); i++) {
            results.put(labels.get(i), out.get("results").get(i));
        }
        tokenized = out.get("results").get(labels.size());
        byteLevelTokenized = out.get("results").get(labels.size() + 1);
        byteLevelRoundTripTokenized = out.get("results").get(labels.size() + 2);
        results.forEach((label, r) -> System.out.println("  " + describe(label, r)));
        hfTokenized = NodeTools.run("tokenize-hf.mjs", List.of(JsonMapper.builder().build().writeValueAsString(
                Map.of("runs", List.of(Map.of("dir", MINICPM.toString(), "texts", TEXTS),
                        Map.of("dir", dir.resolve("byte-level").toString(), "texts", BYTE_LEVEL_TEXTS),
                        Map.of("dir", byteLevelHf.toString(), "texts", BYTE_LEVEL_TEXTS)))))).get("results");
    }

    private static Path convert(Path in, String out, String... args) {
        return HfGgufConversionTest.convert(in, dir.resolve(out), args);
    }

    private static Path recipe(String fixture) {
        String name = fixture.contains("bnb") ? "bnb-nf4-to-gguf.yaml" : "gptq-to-gguf.yaml";
        Path out = dir.resolve(fixture + "-recipe.gguf");
        Cli.Result r = Cli.run("run", EXAMPLES.resolve("recipes").resolve(name).toString(), "--set", "in=" + input(fixture),
                "--set", "out=" + out, "--set", "preset=" + RECIPE_PRESET);
        assertThat(r.code()).as(r.err()).isZero();
        return out;
    }

    /**
     * A MiniCPM-shaped model (one small layer, random f16 weights, MiniCPM's scales) with
     * MiniCPM3-4B's tokenizer files: 73448 tokens, so the embeddings are 73448 x 64.
     */
    private static Path miniCpm() throws IOException {
        Path folder = dir.resolve("minicpm");
        Cli.Result s = Cli.run("sample", folder.toString(), "--layers", "1", "--hidden", "64", "--intermediate", "128",
                "--heads", "2", "--kv-heads", "2", "--vocab", "73448", "--type", "f16");
        assertThat(s.code()).as(s.err()).isZero();
        Files.writeString(folder.resolve("config.json"), """
                {
                  "architectures": ["MiniCPMForCausalLM"],
                  "model_type": "minicpm",
                  "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 1,
                  "num_attention_heads": 2, "num_key_value_heads": 2, "max_position_embeddings": 4096,
                  "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "vocab_size": 73448,
                  "scale_emb": 12, "scale_depth": 1.4, "dim_model_base": 256,
                  "bos_token_id": 1, "eos_token_id": [2, 73440], "tie_word_embeddings": false,
                  "torch_dtype": "float16"
                }
                """);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(MINICPM.resolve(f), folder.resolve(f));
        }
        return folder;
    }

    /** A llama with a small byte-level BPE tokenizer in Llama 3's form (see {@link ByteLevelBpeReference}). */
    private static Path byteLevel() throws IOException {
        Path folder = dir.resolve("byte-level");
        Cli.Result s = Cli.run("sample", folder.toString(), "--layers", "1", "--hidden", "64", "--intermediate", "128",
                "--heads", "2", "--kv-heads", "2", "--vocab", Integer.toString(BYTE_LEVEL.size()), "--type", "f16");
        assertThat(s.code()).as(s.err()).isZero();
        Files.writeString(folder.resolve("tokenizer.json"), BYTE_LEVEL.tokenizerJson());
        Files.writeString(folder.resolve("tokenizer_config.json"), ByteLevelBpeReference.tokenizerConfigJson());
        return folder;
    }

    private static String describe(String label, JsonNode r) {
        if (r.has("error")) {
            return String.format(Locale.ROOT, "%-50s refused: %s", label, r.get("error").asString());
        }
        String reference = reference(label);
        String logits = r.has("logits") && results.containsKey(reference) && !label.equals(reference)
                ? String.format(Locale.ROOT, ", prompt logits vs %s: max |d| %.4f, rms %.4f", reference,
                        maxLogitDifference(r, results.get(reference)), rmsLogitDifference(r, results.get(reference)))
                : "";
        return String.format(Locale.ROOT, "%-50s %2d of %d tokens as %s%s: \"%s\"", label,
                leadingAgreement(tokens(results.get(reference)), tokens(r)), COUNT, reference, logits,
                r.get("text").asString().replace("\n", "\\n"));
    }

    /** What a run is compared with: stories260K.gguf, or the fixture's expected weights at F32. */
    private static String reference(String label) {
        return QUANTIZED.stream().filter(label::startsWith).findFirst().map(f -> f + " expected f32")
                .orElse(label.startsWith("minicpm") ? label : label.startsWith("byte-level") ? "byte-level bpe" : "stories f32");
    }

    private static JsonNode generated(String label) {
        return LlamaCppRuns.generated(results, label);
    }

    private static float[] logits(JsonNode r) {
        List<JsonNode> l = r.path("logits").values().stream().toList();
        float[] out = new float[l.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) l.get(i).asDouble();
        }
        return out;
    }

    private static double maxLogitDifference(JsonNode a, JsonNode b) {
        float[] x = logits(a);
        float[] y = logits(b);
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }

    private static double rmsLogitDifference(JsonNode a, JsonNode b) {
        float[] x = logits(a);
        float[] y = logits(b);
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += (x[i] - y[i]) * (double) (x[i] - y[i]);
        }
        return Math.sqrt(sum / x.length);
    }

    @Test
    void theHuggingFaceFolderGivesStories260KsTokensExactly() {
        List<Integer> original = tokens(generated("stories f32"));
        assertThat(original).hasSize(COUNT);
        assertThat(generated("stories f32").get("text").asString()).startsWith(", there was a little girl named Lily.");
        assertThat(tokens(generated("hf f32"))).isEqualTo(original);
        assertThat(logits(generated("hf f32"))).containsExactly(logits(generated("stories f32")));
    }

    @Test
    void atQ8_0TheFirstTokensStillAgree() {
        assertThat(leadingAgreement(tokens(generated("stories f32")), tokens(generated("hf q8_0"))))
                .as(describe("hf q8_0", generated("hf q8_0"))).isGreaterThanOrEqualTo(MIN_LEADING_TOKENS);
    }

    @Test
    void stories260KThroughHuggingFaceLayoutRunsAsItself() {
        assertThat(tokens(generated("round trip f32"))).isEqualTo(tokens(generated("stories f32")));
        assertThat(logits(generated("round trip f32"))).containsExactly(logits(generated("stories f32")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"stories260K_bnb_nf4_dq", "stories260K_gptq_v1_4bit_g32_sym_act"})
    void theQuantizedCheckpointsTellTheStoryAtF32AndQuantizedAgain(String fixture) {
        JsonNode expected = generated(fixture + " expected f32");
        assertThat(expected.get("text").asString()).startsWith(", there was a little girl named Lily. She loved to play");
        assertThat(tokens(generated(fixture + " f32"))).isEqualTo(tokens(expected));
        for (String quantized : List.of(fixture + " recipe", fixture + " q4_0")) {
            JsonNode r = generated(quantized);
            assertThat(tokens(r)).hasSize(COUNT);
            assertThat(leadingAgreement(tokens(expected), tokens(r))).as(describe(quantized, r))
                    .isGreaterThanOrEqualTo(MIN_LEADING_TOKENS);
        }
    }

    @Test
    void miniCpmsTokenizerSplitsTextAsItsOwnRulesDo() throws IOException {
        assertThat(tokenized.has("error")).as(tokenized.path("error").asString()).isFalse();
        HfBpeReference reference = new HfBpeReference(MINICPM.resolve("tokenizer.json"));
        for (int i = 0; i < TEXTS.size(); i++) {
            List<Integer> llamaCpp = ids(tokenized.get("tokenized").get(i));
            System.out.println("  minicpm tokenizes \"" + TEXTS.get(i) + "\" as " + llamaCpp);
            assertThat(llamaCpp).as(TEXTS.get(i)).isEqualTo(reference.encode(TEXTS.get(i)));
        }
    }

    @Test
    void theMiniCpmShapedModelLoadsAndGenerates() {
        assertThat(tokens(generated("minicpm"))).isNotEmpty();
    }

    @Test
    void aByteLevelTokenizerBecomesLlamaCppsLlama3PreTokenizerAndSplitsTextAsItsRulesDo() {
        assertThat(byteLevelInspect.out()).contains("tokenizer.ggml.model = gpt2").contains("tokenizer.ggml.pre = llama-bpe");
        assertSplitAsReference("byte-level bpe", byteLevelTokenized);
        assertThat(tokens(generated("byte-level bpe"))).isNotEmpty();
    }

    @Test
    void aByteLevelGgufThroughHuggingFaceLayoutKeepsItsTokenizer() throws IOException {
        assertThat(byteLevelHf.resolve("tokenizer.json")).exists();
        JsonNode read = NodeTools.run("gguf-read.mjs", List.of(dir.resolve("byte-level.gguf").toString(),
                dir.resolve("byte-level-round-trip.gguf").toString()));
        List<JsonNode> original = tokenizerKeys(read.get(0));
        assertThat(original).extracting(kv -> kv.get("key").asString()).contains("tokenizer.ggml.model",
                "tokenizer.ggml.pre", "tokenizer.ggml.tokens", "tokenizer.ggml.merges", "tokenizer.ggml.bos_token_id");
        assertThat(tokenizerKeys(read.get(1))).isEqualTo(original);
        assertSplitAsReference("byte-level round trip", byteLevelRoundTripTokenized);
        assertThat(tokens(generated("byte-level round trip"))).isEqualTo(tokens(generated("byte-level bpe")));
    }

    private static List<JsonNode> tokenizerKeys(JsonNode ggufRead) {
        return ggufRead.get("kvs").values().stream().filter(kv -> kv.get("key").asString().startsWith("tokenizer.")).toList();
    }

    private static void assertSplitAsReference(String label, JsonNode llamaCppRun) {
        assertThat(llamaCppRun.has("error")).as(llamaCppRun.path("error").asString()).isFalse();
        for (int i = 0; i < BYTE_LEVEL_TEXTS.size(); i++) {
            List<Integer> llamaCpp = ids(llamaCppRun.get("tokenized").get(i));
            System.out.println("  " + label + " tokenizes \"" + BYTE_LEVEL_TEXTS.get(i).replace("\n", "\\n") + "\" as " + llamaCpp);
            assertThat(llamaCpp).as(BYTE_LEVEL_TEXTS.get(i)).isEqualTo(BYTE_LEVEL.encode(BYTE_LEVEL_TEXTS.get(i)));
        }
    }

    @Test
    void huggingFacesOwnTokenizersSplitTheOriginalAndRebuiltTokenizerJsonAsTheReferencesDo() throws IOException {
        HfBpeReference miniCpm = new HfBpeReference(MINICPM.resolve("tokenizer.json"));
        JsonNode minicpmRun = hfRun(0);
        for (int i = 0; i < TEXTS.size(); i++) {
            assertThat(ids(minicpmRun.get("plain").get(i))).as(TEXTS.get(i)).isEqualTo(miniCpm.encode(TEXTS.get(i)));
        }
        int bos = BYTE_LEVEL.size() - 2;
        for (int run = 1; run <= 2; run++) {
            JsonNode byteLevelRun = hfRun(run);
            for (int i = 0; i < BYTE_LEVEL_TEXTS.size(); i++) {
                List<Integer> expected = BYTE_LEVEL.encode(BYTE_LEVEL_TEXTS.get(i));
                assertThat(ids(byteLevelRun.get("plain").get(i))).as(BYTE_LEVEL_TEXTS.get(i)).isEqualTo(expected);
            }
        }
        // the GGUF adds bos (tokenizer_config.json said so), and the rebuilt tokenizer.json says it where
        // tokenizers read it: its post-processor
        List<Integer> first = BYTE_LEVEL.encode(BYTE_LEVEL_TEXTS.getFirst());
        assertThat(ids(hfRun(2).get("special").get(0))).first().isEqualTo(bos);
        assertThat(ids(hfRun(2).get("special").get(0))).endsWith(first.toArray(Integer[]::new)).hasSize(first.size() + 1);
    }

    private static JsonNode hfRun(int i) {
        JsonNode r = hfTokenized.get(i);
        assertThat(r.has("error")).as(r.path("error").asString()).isFalse();
        return r;
    }
}
