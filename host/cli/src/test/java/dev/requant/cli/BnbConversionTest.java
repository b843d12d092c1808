package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.kernels.Kernels;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.kernels.internal.ggml.GgmlCodecs;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bitsandbytes checkpoints through the example recipes: to GGUF Q8_0 and to safetensors F16. The
 * outputs hold exactly what the fixture's expected.safetensors (bitsandbytes' f32 dequantization)
 * gives: ggml's Q8_0 of it, or its f16 rounding; side files travel to the safetensors folder.
 */
class BnbConversionTest {
    private static final Path RECIPES = Path.of(System.getProperty("requant.config")).resolveSibling("examples/recipes");
    private static final Path NF4 = Cli.TESTDATA.resolve("fixtures/bnb_nf4_dq_bs64");
    private static final Session session = ShippedHost.SESSION;

    @TempDir
    Path dir;

    /** The expected f32 values of every logical tensor of a fixture. */
    private static Map<String, float[]> expected(Path fixture) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (ModelSource m = session.open(fixture.resolve("expected.safetensors"), "safetensors")) {
            for (SourceTensor t : m.tensors()) {
                assertThat(t.info().type()).isEqualTo(ElementType.F32);
                int n = Math.toIntExact(t.info().shape().numel());
                float[] v = new float[n];
                Kernels.elements().readF32(((StoredTensor) t).part(PartSpec.DATA).data(), 0, v, 0, n);
                out.put(t.name(), v);
            }
        }
        return out;
    }

    private static byte[] f16(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(Float.floatToFloat16(v));
        }
        return b.array();
    }

    private static byte[] q8_0(float[] values) {
        MemorySegment q = MemorySegment.ofArray(new byte[Math.toIntExact(GgmlType.Q8_0.rowBytes(values.length))]);
        GgmlCodecs.scalar(GgmlType.Q8_0).orElseThrow().quantize(values, 0, values.length, q, 0);
        return q.toArray(ValueLayout.JAVA_BYTE);
    }

    private static byte[] bytes(SourceTensor t) {
        return ((StoredTensor) t).part(PartSpec.DATA).data().toArray(ValueLayout.JAVA_BYTE);
    }

    @Test
    void nf4ToGgufQ8_0IsGgmlsQ8_0OfTheExpectedValues() throws IOException {
        Path out = dir.resolve("m-Q8_0.gguf");
        Cli.Result r = Cli.run("convert", NF4.toString(), out.toString(), "--type", "q8_0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + out + " (gguf, Q8_0): 21 tensors");
        Map<String, float[]> expected = expected(NF4);
        try (ModelSource gguf = session.open(out, null)) {
            assertThat(gguf.format()).isEqualTo("gguf");
            assertThat(gguf.tensors()).extracting(SourceTensor::name).containsExactlyInAnyOrderElementsOf(expected.keySet());
            int q8 = 0;
            for (SourceTensor t : gguf.tensors()) {
                float[] want = expected.get(t.name());
                if (t.info().shape().rank() == 1) {
                    assertThat(t.info().type()).as(t.name()).isEqualTo(ElementType.F16);
                    assertThat(bytes(t)).as(t.name()).isEqualTo(f16(want));
                } else {
                    assertThat(t.info().type()).as(t.name()).isEqualTo(Encoding.of("q8_0"));
                    assertThat(bytes(t)).as(t.name()).isEqualTo(q8_0(want));
                    q8++;
                }
            }
            assertThat(q8).isEqualTo(16);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"bnb_nf4_dq_bs64", "hf/stories260K_bnb_nf4_dq", "bnb_fp4_bs128", "bnb_int8"})
    void toSafetensorsF16IsTheF16RoundingOfTheExpectedValuesWithTheSideFiles(String fixture) throws IOException {
        Path in = Cli.TESTDATA.resolve("fixtures").resolve(fixture);
        Path out = dir.resolve("f16");
        Cli.Result r = Cli.run("run", RECIPES.resolve("bnb-to-safetensors-f16.yaml").toString(), "--set", "in=" + in,
                "--set", "out=" + out);
        assertThat(r.code()).as(r.err()).isZero();
        Map<String, float[]> expected = expected(in);
        try (ModelSource st = session.open(out, "safetensors")) {
            assertThat(st.tensors()).extracting(SourceTensor::name).containsExactlyInAnyOrderElementsOf(expected.keySet());
            for (SourceTensor t : st.tensors()) {
                assertThat(t.info().type()).as(t.name()).isEqualTo(ElementType.F16);
                assertThat(bytes(t)).as(t.name()).isEqualTo(f16(expected.get(t.name())));
            }
        }
        try (var files = Files.list(in)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                // .gz: the test data's packed copy of expected.safetensors, not part of the checkpoint
                if (!name.endsWith(".safetensors") && !name.endsWith(".gz")) {
                    assertThat(out.resolve(name)).as(name + " travels along").exists();
                    if (!name.equals("config.json")) {
                        assertThat(out.resolve(name)).hasSameBinaryContentAs(p);
                    }
                }
            }
        }
        assertThat(Files.readString(out.resolve("config.json"))).contains("\"model_type\"")
                .doesNotContain("quantization_config");
        Cli.Result again = Cli.run("inspect", out.toString());
        assertThat(again.out()).as("no longer a bnb checkpoint").startsWith(out + ": safetensors, ");
    }

    @Test
    void convertWithoutRecipeReadsTheBnbFolderToo() throws IOException {
        Path out = dir.resolve("m.gguf");
        Cli.Result r = Cli.run("convert", NF4.toString(), out.toString(), "--type", "q8_0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out).exists();
    }
}
