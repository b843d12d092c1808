package dev.requant.cli;

import static dev.requant.cli.LlamaCppRuns.leadingAgreement;
import static dev.requant.cli.LlamaCppRuns.tokens;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * llama.cpp itself runs the GGUF files requant writes: each is loaded by node-llama-cpp's prebuilt
 * CPU build of llama.cpp (never built or downloaded here) and generates greedily from the same
 * prompt, all in one node process (see {@code src/test/node/generate.mjs}).
 *
 * <p>stories260K is a trained F32 llama, so its text is the yardstick: Q8_0 must give exactly its
 * tokens; the 4- and 5-bit types, which do change the weights, must start as it does and write
 * text it finds about as likely as its own (perplexity under the F32 model). A layout bug that
 * llama.cpp reads differently from us shows at once: with the nibbles of Q4_0 swapped the text is
 * digits and the perplexity ~450 instead of ~1.6.
 *
 * <p>No row of stories260K is a whole 256-value block (rows of 64 and 172), so its K-quant files
 * hold llama.cpp's fallback types. The K-quant, IQ4, ternary and MXFP4 blocks themselves run in a
 * generated model whose rows are 256 values ({@code sample}, with stories260K's tokenizer beside
 * it): llama.cpp must find in each file the weights our reader decodes from it.
 */
class LlamaCppIT {
    private static final Path STORIES = Cli.TESTDATA.resolve("data/gguf/stories260K.gguf");
    /** F16 with rows of 8: no weight fits a 32-value block, so every one falls back and stays F16. */
    private static final Path TINY = Cli.TESTDATA.resolve("data/gguf/ollama-llama-2-tiny-random.gguf");
    private static final String PROMPT = "Once upon a time";
    private static final int COUNT = 64;
    /** Seen here: 23 (q4_0), 34 (q4_1), 64 (q5_0), 16 (q5_1); 8 is ", there was a little girl named Lily". */
    private static final int MIN_LEADING_TOKENS = 8;
    /** Seen here: F32 1.56, the others 1.56 to 1.66 (at most 1.06 times F32's). */
    private static final double MAX_PERPLEXITY_RATIO = 1.5;
    /** The types whose blocks the generated model holds, each also decoded back to F32 by our reader. */
    private static final List<String> BLOCK_TYPES = List.of("q2_k", "q3_k", "q4_k_m", "q5_k", "q6_k", "iq4_nl",
            "iq4_xs", "tq1_0", "tq2_0", "mxfp4");
    /**
     * Largest 1 - correlation between llama.cpp's logits from a file and from our decoding of it.
     * Seen here: 2.6e-5 to 4.9e-5 (llama.cpp's 8-bit activations), where each file against the
     * original weights gives 1.6e-4 (q6_k) to 1e-2 (ternary): a llama.cpp that found other weights in
     * the blocks than we do, even ones as close as q6_k's, would be seen.
     */
    private static final double MAX_LOGIT_DISAGREEMENT = 1e-4;

    @TempDir
    static Path dir;

    private static final Map<String, JsonNode> results = new LinkedHashMap<>();

    @BeforeAll
    static void convertAndGenerate() throws IOException {
        Map<String, Path> models = new LinkedHashMap<>();
        models.put("f32", STORIES);
        for (String type : List.of("q8_0", "q4_0", "q4_1", "q5_0", "q5_1")) {
            models.put(type, convert(STORIES, "stories-" + type + ".gguf", "--type", type));
        }
        models.put("q8_0 alignment=64", convert(STORIES, "stories-q8_0-a64.gguf", "--type", "q8_0",
                "--option", "alignment=64"));
        convert(STORIES, "split/stories-q8_0.gguf", "--type", "q8_0", "--option", "split_max_tensors=20");
        models.put("q8_0 split", dir.resolve("split/stories-q8_0-00001-of-00003.gguf"));
        models.put("q4_k_m", convert(STORIES, "stories-q4_k_m.gguf", "--preset", "q4_k_m"));
        models.put("q6_k", convert(STORIES, "stories-q6_k.gguf", "--type", "q6_k"));
        models.put("tiny f16", TINY);
        models.put("tiny q8_0", convert(TINY, "tiny-q8_0.gguf", "--type", "q8_0"));
        Path wide = wideModel();
        models.put("wide f32", convert(wide, "wide-f32.gguf", "--type", "f32"));
        for (String type : BLOCK_TYPES) {
            Path file = convert(wide, "wide-" + type + ".gguf", type.endsWith("_m") ? "--preset" : "--type", type);
            models.put("wide " + type, file);
            models.put("wide " + type + " decoded", convert(file, "wide-" + type + "-decoded.gguf", "--type", "f32"));
        }

        List<Map<String, Object>> runs = new ArrayList<>();
        models.forEach((label, model) -> runs.add(label.startsWith("tiny") ? Map.of("model", model.toString())
                : label.startsWith("wide") ? Map.of("model", model.toString(), "logits", true)
                : Map.of("model", model.toString(), "scoreWith", STORIES.toString())));
        String spec = JsonMapper.builder().build().writeValueAsString(
                Map.of("prompt", PROMPT, "count", COUNT, "runs", runs));
        long start = System.nanoTime();
        JsonNode out = NodeTools.run("generate.mjs", List.of(spec));
        System.out.printf(Locale.ROOT, "llama.cpp %s (node-llama-cpp %s) ran %d GGUF files in %.1f s, greedy from \"%s\":%n",
                out.get("llamaCpp").asString(), out.get("nodeLlamaCpp").asString(), models.size(),
                (System.nanoTime() - start) / 1e9, PROMPT);
        List<String> labels = List.copyOf(models.keySet());
        for (int i = 0; i < labels.size(); i++) {
            results.put(labels.get(i), out.get("results").get(i));
        }
        results.forEach((label, r) -> System.out.println("  " + describe(label, r)));
    }

    /**
     * A generated llama (2 layers, every row 256 values) in Hugging Face layout with stories260K's
     * SentencePiece tokenizer (also 512 tokens), so that it converts to a GGUF llama.cpp runs.
     */
    private static Path wideModel() throws IOException {
        Path hf = dir.resolve("wide-hf");
        Cli.Result r = Cli.run("sample", hf.toString(), "--hidden", "256", "--intermediate", "256", "--vocab", "512");
        assertThat(r.code()).as(r.err()).isZero();
        Path tokenizer = Cli.TESTDATA.resolve("fixtures/hf/stories260K-hf");
        for (String file : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(tokenizer.resolve(file), hf.resolve(file));
        }
        return hf;
    }

    private static Path convert(Path in, String out, String... args) {
        Path path = dir.resolve(out);
        List<String> all = new ArrayList<>(List.of("convert", in.toString(), path.toString()));
        all.addAll(List.of(args));
        Cli.Result r = Cli.run(all.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        return path;
    }

    private static String describe(String label, JsonNode r) {
        if (r.has("error")) {
            return String.format(Locale.ROOT, "%-18s refused: %s", label, r.get("error").asString());
        }
        String reference = label.startsWith("tiny") ? "tiny f16" : label.startsWith("wide") ? "wide f32" : "f32";
        String perplexity = r.has("logProbs")
                ? String.format(Locale.ROOT, ", perplexity under f32 %.3f", perplexity(r)) : "";
        String logits = r.has("logits") ? String.format(Locale.ROOT, ", logits 1 - r %.2e against %s%s",
                disagreement(r, results.get(reference)), reference, results.containsKey(label + " decoded")
                        ? String.format(Locale.ROOT, ", %.2e against our decoding",
                                disagreement(r, results.get(label + " decoded"))) : "") : "";
        return String.format(Locale.ROOT, "%-18s %2d of %d tokens as %s%s%s: \"%s\"", label,
                leadingAgreement(tokens(results.get(reference)), tokens(r)), COUNT, reference, perplexity, logits,
                r.get("text").asString().replace("\n", "\\n"));
    }

    private static JsonNode generated(String label) {
        return LlamaCppRuns.generated(results, label);
    }

    private static double perplexity(JsonNode r) {
        return Math.exp(-r.get("logProbs").values().stream().mapToDouble(JsonNode::asDouble).average().orElseThrow());
    }

    /** 1 - the correlation of two runs' logits after the prompt (softmax ignores a common shift). */
    private static double disagreement(JsonNode a, JsonNode b) {
        double[] x = a.get("logits").values().stream().mapToDouble(JsonNode::asDouble).toArray();
        double[] y = b.get("logits").values().stream().mapToDouble(JsonNode::asDouble).toArray();
        assertThat(x).hasSameSizeAs(y);
        double mx = Arrays.stream(x).average().orElseThrow();
        double my = Arrays.stream(y).average().orElseThrow();
        double xy = 0;
        double xx = 0;
        double yy = 0;
        for (int i = 0; i < x.length; i++) {
            xy += (x[i] - mx) * (y[i] - my);
            xx += (x[i] - mx) * (x[i] - mx);
            yy += (y[i] - my) * (y[i] - my);
        }
        return 1 - xy / Math.sqrt(xx * yy);
    }

    @Test
    void q8_0GivesTheF32OriginalsTokens() {
        List<Integer> f32 = tokens(generated("f32"));
        assertThat(f32).as("the F32 original runs for %d tokens", COUNT).hasSize(COUNT);
        assertThat(generated("f32").get("text").asString()).startsWith(", there was a little girl named Lily.");
        assertThat(tokens(generated("q8_0"))).isEqualTo(f32);
    }

    @ParameterizedTest
    @ValueSource(strings = {"q4_0", "q4_1", "q5_0", "q5_1", "q4_k_m"})
    void fourAndFiveBitTypesStartAsF32DoesAndWriteTextItFindsLikely(String type) {
        JsonNode f32 = generated("f32");
        JsonNode r = generated(type);
        assertThat(tokens(r)).hasSize(COUNT);
        assertThat(leadingAgreement(tokens(f32), tokens(r))).as(describe(type, r))
                .isGreaterThanOrEqualTo(MIN_LEADING_TOKENS);
        assertThat(perplexity(r)).as(describe(type, r)).isLessThanOrEqualTo(MAX_PERPLEXITY_RATIO * perplexity(f32));
    }

    @Test
    void q6_KOfStoriesIsItsFallbackQ8_0AndGivesF32sTokens() {
        // every row of 64 falls back from q6_k to q8_0 and those of 172 to f16, as with --type q8_0
        assertThat(tokens(generated("q6_k"))).isEqualTo(tokens(generated("f32")));
    }

    @ParameterizedTest
    @MethodSource("blockTypes")
    void llamaCppReadsTheBlocksAsOurReaderDoes(String type) {
        JsonNode r = generated("wide " + type);
        assertThat(tokens(r)).isNotEmpty();
        assertThat(disagreement(r, generated("wide " + type + " decoded"))).as(describe("wide " + type, r))
                .isLessThan(MAX_LOGIT_DISAGREEMENT);
    }

    static List<String> blockTypes() {
        return BLOCK_TYPES;
    }

    @Test
    void anOutputAlignedTo64AndASplitOutputRunAsTheQ8_0FileDoes() {
        List<Integer> q8 = tokens(generated("q8_0"));
        assertThat(tokens(generated("q8_0 alignment=64"))).isEqualTo(q8);
        assertThat(tokens(generated("q8_0 split"))).as("loaded from its first shard").isEqualTo(q8);
    }

    @Test
    void aModelWhoseEveryWeightFellBackRunsAsItsOriginal() {
        List<Integer> original = tokens(generated("tiny f16"));
        assertThat(original).isNotEmpty();
        assertThat(tokens(generated("tiny q8_0"))).isEqualTo(original);
    }
}
