package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.core.plugin.PluginHost;
import dev.requant.kernels.Kernels;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Whole conversions through the CLI with the shipped plugins, checked by reading the outputs back. */
class ConversionTest {
    private static final Path STORIES = Cli.TESTDATA.resolve("data/gguf/stories260K.gguf");
    private static final PluginHost plugins = ShippedHost.PLUGINS;
    private static final Session session = ShippedHost.SESSION;

    @TempDir
    Path dir;

    private static List<Path> filesIn(Path d) throws IOException {
        try (Stream<Path> s = Files.walk(d)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @Test
    void ggufToQ8_0QuantizesWeightMatricesExactlyAsTheKernelAndKeepsTheRest() throws IOException {
        Path out = dir.resolve("stories-Q8_0.gguf");
        Cli.Result r = Cli.run("convert", STORIES.toString(), out.toString(), "--type", "q8_0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + out).contains("Q8_0").contains("fell back");
        try (ModelSource in = session.open(STORIES, null); ModelSource o = session.open(out, null)) {
            assertThat(o.tensors()).extracting(SourceTensor::name)
                    .containsExactlyElementsOf(in.tensors().stream().map(SourceTensor::name).toList());
            int quantized = 0;
            for (int i = 0; i < in.tensors().size(); i++) {
                StoredTensor src = (StoredTensor) in.tensors().get(i);
                StoredTensor dst = (StoredTensor) o.tensors().get(i);
                long rowLength = src.info().shape().rowLength();
                if (src.info().shape().rank() == 1) {
                    assertThat(dst.info().type()).isEqualTo(ElementType.F32);
                    assertThat(dst.part(PartSpec.DATA).data().mismatch(src.part(PartSpec.DATA).data())).isEqualTo(-1);
                } else if (rowLength % 32 != 0) {
                    assertThat(dst.info().type()).as(src.name() + " falls back").isEqualTo(ElementType.F16);
                } else {
                    assertThat(dst.info().type()).isEqualTo(Encoding.of("q8_0"));
                    assertThat(dst.part(PartSpec.DATA).data().mismatch(expectedQ8(src))).isEqualTo(-1);
                    quantized++;
                }
            }
            assertThat(quantized).isEqualTo(32);
            assertThat(o.metadata().integer("general.file_type")).contains(7L);
            assertThat(o.metadata().integer("general.quantization_version")).contains(2L);
            assertThat(o.metadata().string("tokenizer.ggml.model")).contains("llama");
        }
    }

    private static MemorySegment expectedQ8(StoredTensor src) {
        return expected(src, GgmlType.Q8_0);
    }

    private static MemorySegment expected(StoredTensor src, GgmlType type) {
        int n = Math.toIntExact(src.info().shape().numel());
        float[] values = new float[n];
        Kernels.elements().readF32(src.part(PartSpec.DATA).data(), 0, values, 0, n);
        MemorySegment q = Arena.ofAuto().allocate(type.rowBytes(n));
        Kernels.ggml(type).orElseThrow().quantize(values, 0, n, q, 0);
        return q;
    }

    @Test
    void ggufToQ4_KFallsBackAsLlamaCppWhereRowsAreNotWholeBlocks() throws IOException {
        // stories260K has rows of 64 (q4_k's block of 256 does not fit: q5_0 does, as llama.cpp
        // chooses) and ffn_down rows of 172 (q5_0's block of 32 does not fit either: f16)
        Path out = dir.resolve("stories-Q4_K.gguf");
        Cli.Result r = Cli.run("convert", STORIES.toString(), out.toString(), "--type", "q4_k");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + out).contains("fell back");
        Cli.Result plan = Cli.run("convert", STORIES.toString(), dir.resolve("plan.gguf").toString(), "--type", "q4_k",
                "--dry-run");
        assertThat(plan.out()).contains("blk.0.ffn_down.weight")
                .contains("fallback from q4_k: row length 172 is not a multiple of 256 (q4_k block); then q5_0: "
                        + "row length 172 is not a multiple of 32 (q5_0 block); then q8_0:");
        try (ModelSource in = session.open(STORIES, null); ModelSource o = session.open(out, null)) {
            int q5 = 0;
            for (int i = 0; i < in.tensors().size(); i++) {
                StoredTensor src = (StoredTensor) in.tensors().get(i);
                StoredTensor dst = (StoredTensor) o.tensors().get(i);
                long rowLength = src.info().shape().rowLength();
                if (src.info().shape().rank() == 1) {
                    assertThat(dst.info().type()).isEqualTo(ElementType.F32);
                } else if (rowLength % 256 == 0) {
                    assertThat(dst.info().type()).isEqualTo(Encoding.of("q4_k"));
                    assertThat(dst.part(PartSpec.DATA).data().mismatch(expected(src, GgmlType.Q4_K))).isEqualTo(-1);
                } else if (rowLength % 32 == 0) {
                    assertThat(dst.info().type()).as(src.name() + " falls back to q5_0").isEqualTo(Encoding.of("q5_0"));
                    assertThat(dst.part(PartSpec.DATA).data().mismatch(expected(src, GgmlType.Q5_0))).isEqualTo(-1);
                    q5++;
                } else {
                    assertThat(dst.info().type()).as(src.name() + " falls back to f16").isEqualTo(ElementType.F16);
                }
            }
            assertThat(q5).isEqualTo(32);
        }
    }

    @Test
    void anEmptyFallbackRefusesBeforeWritingAndListsEveryTensor() {
        Path out = dir.resolve("refused.gguf");
        Cli.Result r = Cli.run("convert", STORIES.toString(), out.toString(), "--type", "q4_0", "--no-fallback");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("5 of 48 tensors cannot be written as asked");
        for (int l = 0; l < 5; l++) {
            assertThat(r.err()).contains("blk." + l + ".ffn_down.weight [64, 172] f32 -> q4_0");
        }
        assertThat(r.err()).contains("row length 172 is not a multiple of 32");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void planShowsEverySubstitutionAndWritesNothing() {
        Cli.Result r = Cli.run("convert", STORIES.toString(), dir.resolve("x.gguf").toString(), "--type", "q4_0",
                "--dry-run");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("blk.4.ffn_down.weight").contains("f32 -> f16").contains("fallback from q4_0: row length 172 is not a multiple of 32 (q4_0 block); then q8_0:")
                .contains("5 fallback(s)");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void sampleToSafetensorsFolderToGgufAndBack() throws IOException {
        Path hf = dir.resolve("hf");
        Cli.Result s = Cli.run("sample", hf.toString(), "--type", "bf16", "--hidden", "128", "--intermediate", "256");
        assertThat(s.code()).as(s.err()).isZero();
        assertThat(filesIn(hf)).extracting(p -> p.getFileName().toString())
                .containsExactly("config.json", "model.safetensors");
        Path gguf = dir.resolve("m.gguf");
        Cli.Result c = Cli.run("convert", hf.toString(), gguf.toString(), "--type", "q4_1", "--verify");
        assertThat(c.code()).as(c.err()).isZero();
        assertThat(c.out()).contains("verify " + gguf + " (report: " + dir.resolve("report.json") + ")")
                .containsPattern("model.layers.1.mlp.down_proj.weight +bf16 -> q4_1 +convert +[0-9.e-]+ +[0-9.e-]+ +[0-9.e-]+ +0.99")
                .containsPattern("model.norm.weight +bf16 +copy +identical bytes");
        var report = new tools.jackson.databind.ObjectMapper().readTree(dir.resolve("report.json").toFile());
        var tensors = report.get("outputs").get(0).get("tensors");
        assertThat(tensors.size()).as("every tensor of the output").isEqualTo(21);
        for (var t : tensors) {
            if (t.get("action").asString().equals("convert")) {
                assertThat(t.get("metrics").get("cosine").asDouble()).isGreaterThan(0.99).isLessThanOrEqualTo(1.0);
                assertThat(t.get("metrics").get("rel_rmse").asDouble()).isGreaterThan(0).isLessThan(0.2);
                assertThat(t.get("fidelity").asString()).isEqualTo("lossy");
            } else {
                assertThat(t.get("metrics").isNull()).isTrue();
            }
        }
        Cli.Result i = Cli.run("inspect", gguf.toString(), "--json");
        assertThat(i.code()).isZero();
        assertThat(i.out()).contains("\"format\" : \"gguf\"").contains("\"type\" : \"q4_1\"").contains("\"quantized\" : true");
        Path back = dir.resolve("back");
        Cli.Result b = Cli.run("convert", gguf.toString(), back.toString(), "--type", "bf16");
        assertThat(b.code()).as(b.err()).isZero();
        try (ModelSource m = session.open(back, null)) {
            assertThat(m.tensors()).allSatisfy(t -> assertThat(t.info().type()).isEqualTo(ElementType.BF16));
        }
    }

    @Test
    void badInputIsOneLineWithExitCode3AndNoOutput() throws IOException {
        Path bad = dir.resolve("bad.gguf");
        Files.write(bad, new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0, 1});
        Path out = dir.resolve("o.gguf");
        Cli.Result r = Cli.run("convert", bad.toString(), out.toString(), "--type", "q8_0");
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err().strip()).startsWith("requant: " + bad + ": offset ").doesNotContain("\tat ");
        assertThat(out).doesNotExist();
    }

    @Test
    void aFailingVerifyConditionPublishesNothing() throws IOException {
        Path recipe = Files.writeString(dir.resolve("r.yaml"), """
                input: { sample: { hidden: 64, intermediate: 128 } }
                quantize: { default: q4_0 }
                outputs:
                  - { path: "%s" }
                  - { path: "%s" }
                verify: { fail_if: "rel_rmse > 0.01" }
                """.formatted(dir.resolve("a.gguf"), dir.resolve("b")));
        Cli.Result r = Cli.run("run", recipe.toString());
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("verify failed (rel_rmse > 0.01)").contains("nothing was written");
        assertThat(filesIn(dir)).containsExactly(recipe);
    }
}
