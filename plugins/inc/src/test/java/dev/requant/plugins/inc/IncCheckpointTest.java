package dev.requant.plugins.inc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.requant.plugins.testing.Checkpoints;
import dev.requant.plugins.testing.RawCheckpoints.Raw;
import dev.requant.plugins.testing.RawCheckpoints;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ModelSource;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Detection against other layouts, and damaged copies of the fixtures, each refused with the
 * tensor and what does not agree.
 */
class IncCheckpointTest {
    private static final IncReader READER = new IncReader();
    private static final String OPTIMUM = "inc_optimum_4bit_g128_asym_zp0";
    private static final String NATIVE = "inc_native_4bit_g32_asym_dim1";
    private static final String SYM = "inc_native_4bit_g32_sym_dim0";
    private static final String DOWN = "model.layers.0.mlp.down_proj";

    @TempDir
    Path dir;

    @Test
    void otherLayoutsAreNotNeuralCompressorExports() throws IOException {
        for (String other : new String[] {"plain_f16", "gptq_v1_4bit_g128_sym", "gptq_v2_4bit_g64_asym", "awq_gemm_g32",
                "awq_gemv_g32", "ct_w4_g32_sym_bf16", "mlx_4bit_g64", "bnb_nf4_bs64"}) {
            assertThat(READER.detect(Checkpoints.FIXTURES.resolve(other), Checkpoints.CONTEXT)).as(other)
                    .isEqualTo(Detection.NONE);
        }
        assertThat(READER.detect(dir.resolve("missing"), Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
    }

    @Test
    void theOptimumExportIsKnownByItsZeroBiasesAloneToo() throws IOException {
        damaged(OPTIMUM, t -> t.keySet().removeIf(n -> n.endsWith(".scale_bf16_to_fp8")), null);
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            assertThat(m.tensors()).hasSize(21);
        }
        // a GPTQ checkpoint whose biases are real is not neural-compressor's
        damaged(OPTIMUM, t -> {
            t.keySet().removeIf(n -> n.endsWith(".scale_bf16_to_fp8"));
            t.put(DOWN + ".bias", new Raw("F16", new long[] {64}, RawCheckpoints.f16(fill(64, 0.5f))));
        }, null);
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
    }

    @Test
    void aBiasThatIsNotZeroPassesThrough() throws IOException {
        damaged(OPTIMUM, t -> t.put(DOWN + ".bias", new Raw("F16", new long[] {64}, RawCheckpoints.f16(fill(64, 0.5f)))), null);
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            assertThat(m.tensors()).extracting(t -> t.name()).contains(DOWN + ".bias", DOWN + ".weight").hasSize(22);
        }
    }

    @Test
    void zeroPointsOfAnotherShape() throws IOException {
        damaged(OPTIMUM, t -> t.put(DOWN + ".qzeros", slice(t.get(DOWN + ".qzeros"), 1, 8)), null);
        assertRefused(DOWN + ".qweight", "its qzeros are i32 [1, 8], but zero points for 2 group(s) of 64 outputs at"
                + " 4 bits, 8 per i32, take i32 [2, 8] (config.json quantization_config: bits 4, group_size 128, asym)");
    }

    @Test
    void scalesOfAnotherShape() throws IOException {
        damaged(OPTIMUM, t -> t.put(DOWN + ".scales", slice(t.get(DOWN + ".scales"), 2, 32)), null);
        assertRefused(DOWN + ".qweight", "its scales [2, 32] do not match qweight [20, 64]: the GPTQ-compatible export"
                + " stores scales [groups, out] and qweight [ceil(in/8), out]");
    }

    @Test
    void missingZeroPoints() throws IOException {
        damaged(OPTIMUM, t -> t.remove(DOWN + ".qzeros"), null);
        assertRefused(DOWN + ".qweight", "has no qzeros: the GPTQ-compatible export always stores zero points");
    }

    @Test
    void bitsThatDoNotMatchThePackedWidth() throws IOException {
        damaged(OPTIMUM, t -> { }, c -> c.replace("\"bits\": 4", "\"bits\": 8"));
        String qweight = first(".qweight");
        assertThat(refused(qweight).problem()).matches("its qzeros are i32 \\[\\d+, \\d+\\], but zero points for \\d+"
                + " group\\(s\\) of \\d+ outputs at 8 bits, 4 per i32, take i32 .*"
                + " \\(config.json quantization_config: bits 8, group_size 128, asym\\)");
    }

    @Test
    void groupIndexOutOfRange() throws IOException {
        damaged(OPTIMUM, t -> {
            ByteBuffer b = ByteBuffer.allocate(4 * 160).order(ByteOrder.LITTLE_ENDIAN);
            for (int k = 0; k < 160; k++) {
                b.putInt(k == 77 ? 2 : k / 128);
            }
            t.put(DOWN + ".g_idx", new Raw("I32", new long[] {160}, b.array()));
        }, null);
        assertRefused(DOWN + ".g_idx", "entry 77 is group 2, but the scales have 2 groups");
    }

    @Test
    void aNonZeroFp8ScaleIsAnotherVariant() throws IOException {
        damaged(OPTIMUM, t -> t.put(DOWN + ".scale_bf16_to_fp8", new Raw("BF16", new long[] {1}, new byte[] {0, 0x3F})),
                null);
        assertRefused(DOWN + ".scale_bf16_to_fp8", "is not 0: a dual-precision (w4a8) layer whose weights also carry"
                + " this fp8 scale; requant does not read that variant");
    }

    @Test
    void partsWithoutTheirCodes() throws IOException {
        damaged(OPTIMUM, t -> t.remove(DOWN + ".qweight"), null);
        BadInputException e = refused(null);
        assertThat(e.tensor()).startsWith(DOWN + ".");
        assertThat(e.problem()).isEqualTo("is stored without " + DOWN + ".qweight, the packed codes it belongs to");
    }

    @Test
    void optimumWithoutItsSetting() throws IOException {
        damaged(OPTIMUM, t -> { }, c -> c.replace("quantization_config", "no_quantization"));
        Files.delete(dir.resolve("quantize_config.json"));
        assertRefused(first(".qweight"), "has no bits and group size: config.json has no quantization_config and there"
                + " is no quantize_config.json beside the weights");
    }

    @Test
    void nativeWithoutQconfig() throws IOException {
        damaged(NATIVE, t -> { }, null);
        Files.delete(dir.resolve("qconfig.json"));
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).as("scale_bf16_to_fp8 still says neural-compressor")
                .isEqualTo(Detection.LAYOUT);
        assertThat(refused(first(".qweight")).problem()).contains("is laid out as neural-compressor's native export")
                .endsWith("put the qconfig.json saved with the weights beside them");
    }

    @Test
    void nativeSymmetricWithZeroPoints() throws IOException {
        damaged(NATIVE, t -> { }, c -> c.replace("\"use_sym\": false", "\"use_sym\": true"));
        String qweight = first(".qweight");
        String module = qweight.substring(0, qweight.length() - ".qweight".length());
        assertThat(refused(qweight).problem()).isEqualTo("has qzeros [" + (module.contains("mlp.down") ? 64 : 160)
                + ", 1], but qconfig.json " + module + ": bits 4, group_size 32, sym is symmetric, which"
                + " neural-compressor stores without zero points");
    }

    @Test
    void nativeAsymmetricWithoutZeroPoints() throws IOException {
        damaged(SYM, t -> { }, c -> c.replace("\"use_sym\": true", "\"use_sym\": false"));
        String qweight = first(".qweight");
        String module = qweight.substring(0, qweight.length() - ".qweight".length());
        assertThat(refused(qweight).problem()).isEqualTo("has no qzeros, but qconfig.json " + module
                + ": bits 4, group_size 32, asym is asymmetric, which needs them");
    }

    @Test
    void nativeCodesThatFitNeitherPacking() throws IOException {
        damaged(NATIVE, t -> t.put(DOWN + ".qweight", slice(t.get(DOWN + ".qweight"), 32, 20)), null);
        assertRefused(DOWN + ".qweight", "[32, 20] fits neither packing of the 64 outputs its scales [64, 5] have:"
                + " [64, ...] along the input or [8, in] along the output (4-bit codes, 8 per i32)");
    }

    @Test
    void nativeModuleMissingFromQconfig() throws IOException {
        damaged(NATIVE, t -> { }, null);
        String q = Files.readString(dir.resolve("qconfig.json"));
        Files.writeString(dir.resolve("qconfig.json"), q.replace("('" + DOWN + "', 'Linear')", "('elsewhere', 'Linear')"));
        assertRefused(DOWN + ".qweight", "qconfig.json has no entry for " + DOWN);
    }

    @Test
    void nativeTableCodesAreNotSupported() throws IOException {
        damaged(NATIVE, t -> { }, null);
        String q = Files.readString(dir.resolve("qconfig.json"));
        Files.writeString(dir.resolve("qconfig.json"), q.replaceFirst("\"dtype\": \"int\"", "\"dtype\": \"nf4\""));
        assertThatThrownBy(() -> READER.open(dir, Checkpoints.CONTEXT)).isInstanceOfSatisfying(BadInputException.class,
                e -> {
                    assertThat(e.file()).isEqualTo(dir.resolve("qconfig.json"));
                    assertThat(e.problem()).contains("dtype nf4").contains("requant reads integer codes");
                });
    }

    @Test
    void truncatedGarbageAndOversizedWeightsAreNotNeuralCompressorExportsAndFailToOpen() throws IOException {
        byte[] weights = Files.readAllBytes(Checkpoints.FIXTURES.resolve(OPTIMUM).resolve("model.safetensors"));
        byte[] garbage = new byte[4096];
        new SplittableRandom(1).nextBytes(garbage);
        byte[] oversized = weights.clone();
        oversized[2] = 0x7F;
        for (byte[] bytes : new byte[][] {Arrays.copyOf(weights, weights.length - 100), garbage, oversized}) {
            Path file = Files.write(dir.resolve("model.safetensors"), bytes);
            assertThat(READER.detect(file, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
            assertThatThrownBy(() -> READER.open(file, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class);
        }
    }

    /** A fixture rewritten as one file with its side files, its tensors and config.json changed. */
    private void damaged(String fixture, Consumer<Map<String, Raw>> tensors, UnaryOperator<String> config)
            throws IOException {
        Map<String, Raw> t = RawCheckpoints.read(Checkpoints.FIXTURES.resolve(fixture).resolve("model.safetensors"));
        tensors.accept(t);
        RawCheckpoints.copyFixture(fixture, dir);
        RawCheckpoints.write(dir.resolve("model.safetensors"), t, "pt");
        if (config != null) {
            boolean changed = false;
            for (String name : new String[] {"config.json", "qconfig.json", "quantize_config.json"}) {
                Path file = dir.resolve(name);
                if (Files.exists(file)) {
                    String before = Files.readString(file);
                    String after = config.apply(before);
                    changed |= !after.equals(before);
                    Files.writeString(file, after);
                }
            }
            assertThat(changed).as("the change applies").isTrue();
        }
    }

    /** The first stored tensor with this suffix: the module checked first. */
    private String first(String suffix) throws IOException {
        return RawCheckpoints.read(dir.resolve("model.safetensors")).keySet().stream().filter(n -> n.endsWith(suffix))
                .findFirst().orElseThrow();
    }

    private void assertRefused(String tensor, String problem) {
        assertThat(refused(tensor).problem()).isEqualTo(problem);
    }

    /** The BadInputException opening {@code dir} gives, for {@code tensor} when given. */
    private BadInputException refused(String tensor) {
        BadInputException e = catchThrowableOfType(BadInputException.class, () -> READER.open(dir, Checkpoints.CONTEXT));
        assertThat(e).as("refused").isNotNull();
        assertThat(e.file()).isEqualTo(dir);
        if (tensor != null) {
            assertThat(e.tensor()).isEqualTo(tensor);
        }
        return e;
    }

    private static Raw slice(Raw r, long rows, long cols) {
        int elementBytes = r.data().length / (int) Arrays.stream(r.shape()).reduce(1, (a, b) -> a * b);
        return new Raw(r.dtype(), new long[] {rows, cols}, Arrays.copyOf(r.data(), (int) (rows * cols * elementBytes)));
    }

    private static float[] fill(int n, float v) {
        float[] a = new float[n];
        Arrays.fill(a, v);
        return a;
    }
}
