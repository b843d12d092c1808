package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.kernels.Fp;
import dev.requant.kernels.Layouts;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * MLX and neural-compressor checkpoints through the shipped plugin jars: detected and decoded
 * exactly by the host, told truthfully by inspect, converted by the example recipe, and refused
 * with one line and exit code 3 when damaged or unreadable.
 */
class MlxIncCheckpointsTest {
    private static final Path FIXTURES = Cli.TESTDATA.resolve("fixtures");
    private static final Path EXAMPLES = Path.of(System.getProperty("requant.config")).resolveSibling("examples");
    private static final Path STORIES_HF = FIXTURES.resolve("hf/stories260K-hf");
    private static final List<String> TOKENIZER = List.of("tokenizer.model", "tokenizer_config.json",
            "special_tokens_map.json");
    private static final Session session = ShippedHost.SESSION;

    @TempDir
    Path dir;

    static Stream<String> fixtures() throws IOException {
        try (Stream<Path> s = Files.list(FIXTURES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("mlx_") || n.startsWith("inc_"))
                    .sorted().toList().stream();
        }
    }

    static Stream<String> mlxFixtures() throws IOException {
        return fixtures().filter(n -> n.startsWith("mlx_"));
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void theHostDetectsAndDecodesEveryFixtureExactly(String fixture) throws IOException {
        Path folder = FIXTURES.resolve(fixture);
        try (ModelSource m = session.open(folder, null);
             ModelSource expected = session.open(folder.resolve("expected.safetensors"), null)) {
            assertThat(m.format()).isEqualTo(fixture.startsWith("mlx_") ? "mlx" : "inc");
            Map<String, SourceTensor> byName = new HashMap<>();
            m.tensors().forEach(t -> byName.put(t.name(), t));
            assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(
                    expected.tensors().stream().map(SourceTensor::name).toList());
            for (SourceTensor e : expected.tensors()) {
                float[] want = decode(e);
                float[] got = decode(byName.get(e.name()));
                for (int i = 0; i < want.length; i++) {
                    if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(want[i])) {
                        assertThat(got[i]).as("%s %s element %d", fixture, e.name(), i).isEqualTo(want[i]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("mlxFixtures")
    void mlxToSafetensorsBf16ThroughTheExampleRecipe(String fixture) throws IOException {
        Path in = copyFixture(fixture, dir.resolve("in"));
        for (String name : TOKENIZER) {
            Files.copy(STORIES_HF.resolve(name), in.resolve(name));
        }
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("run", EXAMPLES.resolve("recipes/mlx-to-safetensors-bf16.yaml").toString(),
                "--set", "in=" + in, "--set", "out=" + out);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + out + " (safetensors)");
        for (String name : Stream.concat(Stream.of("config.json"), TOKENIZER.stream()).toList()) {
            assertThat(out.resolve(name)).as(name + " travels along").exists();
        }
        assertThat(Files.readAllBytes(out.resolve("tokenizer.model")))
                .isEqualTo(Files.readAllBytes(in.resolve("tokenizer.model")));
        try (ModelSource written = session.open(out, null);
             ModelSource expected = session.open(FIXTURES.resolve(fixture).resolve("expected.safetensors"), null)) {
            Map<String, SourceTensor> byName = new HashMap<>();
            written.tensors().forEach(t -> byName.put(t.name(), t));
            assertThat(byName).hasSameSizeAs(expected.tensors());
            for (SourceTensor e : expected.tensors()) {
                StoredTensor w = (StoredTensor) byName.get(e.name());
                assertThat(w.info().type()).isEqualTo(ElementType.BF16);
                assertThat(w.info().shape()).isEqualTo(e.info().shape());
                float[] want = decode(e);
                for (int i = 0; i < want.length; i++) {
                    short bits = w.part(PartSpec.DATA).data().get(Layouts.I16, 2L * i);
                    if (bits != Fp.f32ToBf16(want[i])) {
                        assertThat(String.format("%04x", bits)).as("%s %s element %d", fixture, e.name(), i)
                                .isEqualTo(String.format("%04x", Fp.f32ToBf16(want[i])));
                    }
                }
            }
        }
    }

    @Test
    void inspectTellsTheTruthAboutAnMlxCheckpoint() {
        Path folder = FIXTURES.resolve("mlx_4bit_g64");
        JsonNode report = inspectJson(folder);
        assertThat(report.get("format").asString()).isEqualTo("mlx");
        JsonNode q = tensor(report, "model.layers.0.self_attn.q_proj.weight");
        assertThat(q.get("type").asString()).isEqualTo("mlx{bits:4,group:64,scale:f16}");
        assertThat(q.get("quantized").asBoolean()).isTrue();
        // 64 x 64 codes at 4 bits, and an f16 scale and bias per group of 64: 4 + 32/64 bits per weight
        assertThat(q.get("bytes").asLong()).isEqualTo(64 * 64 / 2 + 2 * 64 * 2);
        assertThat(q.get("bitsPerWeight").asDouble()).isEqualTo(4.5);
        JsonNode embed = tensor(report, "model.embed_tokens.weight");
        assertThat(embed.get("type").asString()).as("MLX quantizes embeddings too").startsWith("mlx{");
        JsonNode down = tensor(report, "model.layers.0.mlp.down_proj.weight");
        assertThat(down.get("type").asString()).as("160 inputs are no whole groups of 64").isEqualTo("f16");
        assertThat(down.get("bytes").asLong()).isEqualTo(64 * 160 * 2);
        JsonNode totals = report.get("totals");
        assertThat(totals.get("tensors").asInt()).isEqualTo(21);
        assertThat(totals.get("quantizedTensors").asInt()).isEqualTo(14);
        assertThat(totals.get("loadedAsF16").asLong()).isEqualTo(98_624L * 2);
        assertThat(totals.get("loadedAsStored").asLong()).isEqualTo(totals.get("bytes").asLong())
                .isEqualTo(sumBytes(report));

        Cli.Result text = Cli.run("inspect", folder.toString());
        assertThat(text.code()).isZero();
        assertThat(text.out()).startsWith(folder + ": mlx, 21 tensors")
                .contains("by type: mlx{bits:4,group:64,scale:f16} x14 (42.8 KiB, 4.50 bpw), f16 x7 (40.6 KiB, 16.00 bpw)")
                .contains("quantized: 14 of 21 tensors, 77,824 values, 42.8 KiB (4.50 bpw)")
                .contains("not quantized: f16: model.norm.weight")
                .contains("memory to load the weights: 83.4 KiB as stored, 192.6 KiB dequantized to f16");
    }

    @Test
    void inspectTellsTheTruthAboutNeuralCompressorExports() {
        JsonNode optimum = inspectJson(FIXTURES.resolve("inc_optimum_4bit_g128_asym_zp0"));
        assertThat(optimum.get("format").asString()).isEqualTo("inc");
        JsonNode down = tensor(optimum, "model.layers.0.mlp.down_proj.weight");
        assertThat(down.get("type").asString())
                .isEqualTo("inc{act_order:false,bits:4,format:optimum,group:128,scale:f16,sym:false}");
        // qweight 20 x 64 int32, qzeros 2 x 8 int32, scales 2 x 64 f16, the zero bias 64 f16, the fp8 scale
        long bytes = 20 * 64 * 4 + 2 * 8 * 4 + 2 * 64 * 2 + 64 * 2 + 2;
        assertThat(down.get("bytes").asLong()).isEqualTo(bytes);
        assertThat(down.get("bitsPerWeight").asDouble()).isEqualTo(bytes * 8.0 / (64 * 160));
        assertThat(optimum.get("tensors").findValuesAsString("name")).doesNotContain("model.layers.0.mlp.down_proj.bias");
        assertThat(tensor(optimum, "model.embed_tokens.weight").get("type").asString()).isEqualTo("f16");

        JsonNode nativeDim0 = inspectJson(FIXTURES.resolve("inc_native_4bit_g128_asym_dim0"));
        JsonNode gate = tensor(nativeDim0, "model.layers.0.mlp.gate_proj.weight");
        assertThat(gate.get("type").asString())
                .isEqualTo("inc{act_order:false,bits:4,dim:0,format:native,group:128,scale:f32,sym:false,word:i32}");
        // qweight 20 x 64 int32 (8 outputs per word), qzeros 20 x 1, scales 160 x 1 f32, the fp8 scale
        assertThat(gate.get("bytes").asLong()).isEqualTo(20 * 64 * 4 + 20 * 4 + 160 * 4 + 2);
    }

    @Test
    void anItrexBlobIsRefusedInOneLineWithExitCode3() {
        Path folder = FIXTURES.resolve("itrex_blob_int4_refuse");
        Cli.Result r = Cli.run("inspect", folder.toString());
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err().strip()).startsWith("requant: " + folder + ": tensor model.layers.0.mlp.down_proj.weight:"
                + " is a 1-D i8 blob of 6656 bytes").contains("save_low_bit").doesNotContain("\n");
    }

    @Test
    void aDamagedMlxCheckpointIsRefusedWithExitCode3AndNothingWritten() throws IOException {
        Path in = copyFixture("mlx_3bit_g32", dir.resolve("in"));
        renameInHeader(in.resolve("model.safetensors"), "model.layers.0.mlp.down_proj.scales",
                "model.layers.0.mlp.down_proj.scalez");
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("convert", in.toString(), out.toString(), "--type", "bf16");
        assertThat(r.code()).as(r.err()).isEqualTo(3);
        assertThat(r.err().strip()).isEqualTo("requant: " + in + ": tensor model.layers.0.mlp.down_proj.weight: has"
                + " biases but no scales (model.layers.0.mlp.down_proj.scales is missing): MLX's affine mode stores both");
        assertThat(out).doesNotExist();
    }

    @Test
    void aDamagedNeuralCompressorExportIsRefusedWithExitCode3() throws IOException {
        Path in = copyFixture("inc_optimum_4bit_g32_sym", dir.resolve("in"));
        renameInHeader(in.resolve("model.safetensors"), "model.layers.1.self_attn.k_proj.qzeros",
                "model.layers.1.self_attn.k_proj.qzeroz");
        Cli.Result r = Cli.run("inspect", in.toString());
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err().strip()).isEqualTo("requant: " + in + ": tensor model.layers.1.self_attn.k_proj.qweight:"
                + " has no qzeros: the GPTQ-compatible export always stores zero points");
    }

    private static float[] decode(SourceTensor t) {
        int rows = Math.toIntExact(t.info().shape().rows());
        float[] v = new float[Math.toIntExact(t.info().shape().numel())];
        session.codecs().decode(t, 0, rows, v, 0);
        return v;
    }

    private static JsonNode inspectJson(Path path) {
        Cli.Result r = Cli.run("inspect", path.toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        return JsonMapper.builder().build().readTree(r.out());
    }

    private static JsonNode tensor(JsonNode report, String name) {
        for (JsonNode t : report.get("tensors")) {
            if (t.get("name").asString().equals(name)) {
                return t;
            }
        }
        throw new AssertionError(name + " is not in the report");
    }

    private static long sumBytes(JsonNode report) {
        long n = 0;
        for (JsonNode t : report.get("tensors")) {
            n += t.get("bytes").asLong();
        }
        return n;
    }

    /** A fixture's files, without its expected values and manifest. */
    private static Path copyFixture(String fixture, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> s = Files.list(FIXTURES.resolve(fixture))) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.equals("expected.safetensors") && !n.equals("manifest.json")) {
                    Files.copy(p, to.resolve(n));
                }
            }
        }
        return to;
    }

    /**
     * Renames a tensor in a safetensors header to a name of the same length (offsets stay valid),
     * and drops the index, which would list the old name.
     */
    private static void renameInHeader(Path file, String from, String to) throws IOException {
        assertThat(to).hasSameSizeAs(from);
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("\"" + from + "\"");
        assertThat(at).as(from + " in the header").isPositive();
        byte[] name = to.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, bytes, at + 1, name.length);
        Files.write(file, bytes);
        Files.deleteIfExists(file.resolveSibling("model.safetensors.index.json"));
    }
}
