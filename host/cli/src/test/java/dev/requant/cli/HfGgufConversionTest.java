package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.core.plugin.PluginHost;
import dev.requant.spi.MetaValue;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hugging Face llama folders to GGUF and back through the CLI with the shipped plugins, checked
 * against stories260K.gguf, from which the stories260K-hf fixture was derived: every tensor must
 * come back byte for byte, and every key with its value.
 */
class HfGgufConversionTest {
    static final Path STORIES = Cli.TESTDATA.resolve("data/gguf/stories260K.gguf");
    static final Path STORIES_HF = Cli.TESTDATA.resolve("fixtures/hf/stories260K-hf");
    /** Keys hf-to-gguf writes that llama.cpp's conversion of llama2.c's checkpoint lacks, all llama.cpp's defaults. */
    private static final Set<String> ADDED = Set.of("llama.vocab_size", "tokenizer.ggml.pre", "general.file_type");
    /** Special ids stories260K.gguf sets to 2^32-1, which llama.cpp reads as "none": left out. */
    private static final Set<String> NONE = Set.of("tokenizer.ggml.seperator_token_id", "tokenizer.ggml.padding_token_id");

    private static final PluginHost plugins = ShippedHost.PLUGINS;
    private static final Session session = ShippedHost.SESSION;

    @TempDir
    Path dir;

    static Path convert(Path in, Path out, String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("convert", in.toString(), out.toString()));
        all.addAll(List.of(args));
        Cli.Result r = Cli.run(all.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + out);
        return out;
    }

    private static Map<String, SourceTensor> tensors(ModelSource m) {
        return m.tensors().stream().collect(Collectors.toMap(SourceTensor::name, Function.identity()));
    }

    /** Every tensor of {@code a} is in {@code b} with the same shape, type and bytes, and no other. */
    static void assertSameTensors(ModelSource a, ModelSource b) {
        Map<String, SourceTensor> ta = tensors(a);
        Map<String, SourceTensor> tb = tensors(b);
        assertThat(tb.keySet()).isEqualTo(ta.keySet());
        ta.forEach((name, t) -> {
            StoredTensor x = (StoredTensor) t;
            StoredTensor y = (StoredTensor) tb.get(name);
            assertThat(y.info()).as(name).isEqualTo(x.info());
            assertThat(y.parts().getFirst().data().mismatch(x.parts().getFirst().data())).as(name).isEqualTo(-1);
        });
    }

    /**
     * The keys of {@code converted} are those of {@code original} with their values, but for "none"
     * ids, llama.cpp's defaults ({@link #ADDED}), and what the Hugging Face side had to say.
     */
    private static void assertSameKeys(ModelSource original, ModelSource converted, Set<String> missing,
                                       Set<String> added) {
        Map<String, MetaValue> expected = new HashMap<>(original.metadata().values());
        NONE.forEach(expected::remove);
        missing.forEach(expected::remove);
        Map<String, MetaValue> actual = new HashMap<>(converted.metadata().values());
        ADDED.forEach(actual::remove);
        added.forEach(actual::remove);
        assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((key, value) -> assertThat(actual.get(key)).as(key).isEqualTo(value));
        assertThat(converted.metadata().integer("llama.vocab_size")).contains(512L);
        assertThat(converted.metadata().string("tokenizer.ggml.pre")).contains("default");
    }

    @Test
    void theStoriesFolderBecomesStories260KTensorForTensor() throws IOException {
        Path out = dir.resolve("s.gguf");
        Cli.Result r = Cli.run("convert", STORIES_HF.toString(), out.toString(), "--type", "f32");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("transform hf-to-gguf (applied automatically: ");
        try (ModelSource original = session.open(STORIES, null); ModelSource converted = session.open(out, null)) {
            assertSameTensors(original, converted);
            // stories-hf's config.json has no _name_or_path, so no general.name; it says rope_theta 10000
            // and the tokenizer files that BOS is added and EOS not: llama.cpp's defaults
            assertSameKeys(original, converted, Set.of("general.name"), Set.of("llama.rope.freq_base",
                    "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token"));
            assertThat(converted.metadata().values()).containsEntry("llama.rope.freq_base", MetaValue.f32(10000));
            assertThat(converted.metadata().values()).containsEntry("tokenizer.ggml.add_bos_token", MetaValue.bool(true))
                    .containsEntry("tokenizer.ggml.add_eos_token", MetaValue.bool(false));
        }
    }

    @Test
    void atQ8_0EveryTensorIsWhatStories260KGivesAtQ8_0() throws IOException {
        Path fromHf = convert(STORIES_HF, dir.resolve("hf-q8.gguf"), "--type", "q8_0");
        Path fromGguf = convert(STORIES, dir.resolve("gguf-q8.gguf"), "--type", "q8_0");
        try (ModelSource a = session.open(fromGguf, null); ModelSource b = session.open(fromHf, null)) {
            assertSameTensors(a, b);
        }
    }

    @Test
    void stories260KToHuggingFaceAndBackIsTheSameModel() throws IOException {
        Path hf = dir.resolve("hf");
        Cli.Result r = Cli.run("convert", STORIES.toString(), hf.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("transform gguf-to-hf (applied automatically: ");
        try (Stream<Path> files = Files.list(hf)) {
            assertThat(files.map(p -> p.getFileName().toString()).sorted()).containsExactly("config.json",
                    "model.safetensors", "special_tokens_map.json", "tokenizer.model", "tokenizer_config.json");
        }
        // the SentencePiece pieces are those of the fixture's hand-written tokenizer.model
        byte[] written = Files.readAllBytes(hf.resolve("tokenizer.model"));
        byte[] fixture = Files.readAllBytes(STORIES_HF.resolve("tokenizer.model"));
        assertThat(java.util.Arrays.mismatch(written, fixture)).isGreaterThan(7400);
        try (ModelSource h = session.open(hf, null); ModelSource fixtureHf = session.open(STORIES_HF, null)) {
            assertSameTensors(fixtureHf, h);
        }
        Path back = convert(hf, dir.resolve("back.gguf"), "--type", "f32");
        try (ModelSource original = session.open(STORIES, null); ModelSource converted = session.open(back, null)) {
            assertSameTensors(original, converted);
            assertSameKeys(original, converted, Set.of(), Set.of());
        }
        // and again: a fixed point, every key and tensor
        Path hf2 = convert(back, dir.resolve("hf2"));
        Path again = convert(hf2, dir.resolve("again.gguf"), "--type", "f32");
        try (ModelSource a = session.open(back, null); ModelSource b = session.open(again, null)) {
            assertSameTensors(a, b);
            assertThat(b.metadata().values()).isEqualTo(a.metadata().values());
        }
    }

    @Test
    void thePlanSaysWhichTransformAppliesAndAnEmptyListAppliesNone() throws IOException {
        Cli.Result plan = Cli.run("convert", STORIES_HF.toString(), dir.resolve("p.gguf").toString(), "--type", "q8_0",
                "--dry-run", "--json");
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("\"id\" : \"hf-to-gguf\"").contains("\"automatic\" : true")
                .contains("blk.0.attn_q.weight");
        Path recipe = Files.writeString(dir.resolve("r.yaml"), """
                input: { path: "%s" }
                transforms: []
                outputs: [ { path: "%s" } ]
                """.formatted(STORIES_HF, dir.resolve("names.gguf")));
        Cli.Result r = Cli.run("run", recipe.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).doesNotContain("transform ");
        try (ModelSource m = session.open(dir.resolve("names.gguf"), null)) {
            assertThat(m.tensors()).extracting(SourceTensor::name).contains("model.layers.0.self_attn.q_proj.weight");
            assertThat(m.metadata().get("general.architecture")).isEmpty();
        }
    }

    @Test
    void anArchitectureItDoesNotKnowIsABadInputBeforeAnyWrite() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("gpt2"));
        try (Stream<Path> files = Files.list(STORIES_HF)) {
            for (Path p : files.toList()) {
                Files.copy(p, folder.resolve(p.getFileName()));
            }
        }
        Path config = folder.resolve("config.json");
        config.toFile().setWritable(true);
        Files.writeString(config, Files.readString(config).replace("LlamaForCausalLM", "GPT2LMHeadModel"));
        Path recipe = Files.writeString(dir.resolve("r.yaml"), """
                input: { path: "%s" }
                transforms: [ hf-to-gguf ]
                outputs: [ { path: "%s" } ]
                """.formatted(folder, dir.resolve("out.gguf")));
        Cli.Result r = Cli.run("run", recipe.toString());
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err().strip()).isEqualTo("requant: config.json: architecture GPT2LMHeadModel is not one hf-to-gguf"
                + " converts (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM, MiniCPMForCausalLM)");
        assertThat(dir.resolve("out.gguf")).doesNotExist();
        // converted without naming it, the folder keeps its names: the transform does not apply itself
        Cli.Result plain = Cli.run("convert", folder.toString(), dir.resolve("plain.gguf").toString(), "--dry-run");
        assertThat(plain.code()).as(plain.err()).isZero();
        assertThat(plain.out()).doesNotContain("transform ").contains("model.layers.0.self_attn.q_proj.weight");
    }
}
