package dev.requant.plugins.bnb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.internal.bnb.ScalarBnbKernels;
import dev.requant.kernels.internal.bnb.VectorBnbKernels;
import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every bitsandbytes fixture, read by the bnb reader and decoded by the schemes (with the scalar
 * and with the vector kernels), equals its expected.safetensors bit for bit: quantized weights
 * (bitsandbytes' f32 dequantization) and the tensors that pass through alike. Weights are decoded
 * whole and in row ranges that split blocks and rows at odd places.
 */
class FixtureExactnessTest {
    static Stream<Arguments> fixtures() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(Checkpoints.FIXTURES)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("bnb_")).sorted().forEach(names::add);
        }
        names.add("hf/stories260K_bnb_nf4_dq");
        assertThat(names).hasSizeGreaterThanOrEqualTo(9);
        List<Arguments> args = new ArrayList<>();
        for (String n : names) {
            args.add(Arguments.of(n, "scalar"));
            args.add(Arguments.of(n, "vector"));
        }
        return args.stream();
    }

    private static Map<String, QuantScheme> schemes(BnbKernels k) {
        return Map.of("bnb_nf4", new BnbNf4Scheme(k), "bnb_fp4", new BnbFp4Scheme(k), "bnb_int8", new BnbInt8Scheme(k));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("fixtures")
    void decodesToExpectedBitForBit(String fixture, String kernels) throws IOException {
        Path dir = Checkpoints.fixture(fixture);
        Map<String, QuantScheme> schemes = schemes(kernels.equals("scalar") ? ScalarBnbKernels.INSTANCE
                : VectorBnbKernels.INSTANCE);
        List<String> quantized = new ArrayList<>();
        try (ModelSource model = new BnbReader().open(dir, Checkpoints.CONTEXT);
             ModelSource expected = Checkpoints.CONTEXT.open("safetensors", dir.resolve("expected.safetensors"))) {
            assertThat(model.format()).isEqualTo("bnb");
            assertThat(model.tensors()).extracting(SourceTensor::name).containsExactlyInAnyOrderElementsOf(
                    expected.tensors().stream().map(SourceTensor::name).toList());
            for (SourceTensor e : expected.tensors()) {
                StoredTensor t = (StoredTensor) model.tensors().stream().filter(x -> x.name().equals(e.name()))
                        .findFirst().orElseThrow();
                assertThat(t.info().shape()).as(t.name()).isEqualTo(e.info().shape());
                float[] want = values((StoredTensor) e);
                if (t.info().type() instanceof Encoding enc) {
                    quantized.add(t.name());
                    assertThat(enc).as(t.name()).isEqualTo(expectedEncoding(dir, t.name()));
                    QuantScheme scheme = schemes.get(enc.scheme());
                    assertThat(scheme).as(enc.id()).isNotNull();
                    assertSameBits(want, decode(scheme, t, new long[] {0, t.info().shape().rows()}), t.name());
                    long rows = t.info().shape().rows();
                    assertSameBits(want, decode(scheme, t, new long[] {0, 1, 2, rows / 3, rows / 3 + 5, rows - 1, rows}),
                            t.name() + " in row ranges");
                } else {
                    assertSameBits(want, values(t), t.name());
                }
            }
        }
        assertThat(quantized).containsExactlyInAnyOrderElementsOf(quantizedNames(dir));
        System.out.println("[bnb] " + fixture + " (" + kernels + "): all tensors bit-exact, " + quantized.size()
                + " quantized weights decoded");
    }

    /** The manifest's list; the stories model (no manifest) has its linear layers quantized. */
    private static List<String> quantizedNames(Path dir) throws IOException {
        if (Files.exists(dir.resolve("manifest.json"))) {
            return ((List<?>) manifest(dir).get("quantized_tensors")).stream().map(String.class::cast).toList();
        }
        return Checkpoints.read(dir.resolve("expected.safetensors")).keySet().stream()
                .filter(n -> n.endsWith("_proj.weight")).toList();
    }

    /** What the manifest says of a weight, or the stories model's NF4, double quant, block 64. */
    private static Encoding expectedEncoding(Path dir, String name) throws IOException {
        if (!Files.exists(dir.resolve("manifest.json"))) {
            return (Encoding) TensorType.parse("bnb_nf4{block:64,double_quant:true,dtype:f16}");
        }
        Map<?, ?> m = manifest(dir);
        if (m.get("family").equals("bnb8")) {
            return Encoding.of("bnb_int8");
        }
        Map<?, ?> t = (Map<?, ?>) ((Map<?, ?>) m.get("per_tensor")).get(name);
        String dtype = ElementType.byId(switch ((String) m.get("model_dtype")) {
            case "float16" -> "f16";
            case "bfloat16" -> "bf16";
            default -> "f32";
        }).orElseThrow().id();
        return new Encoding("bnb_" + t.get("quant_type"), Map.of("block", t.get("blocksize").toString(),
                "double_quant", t.get("double_quant").toString(), "dtype", dtype));
    }

    private static Map<?, ?> manifest(Path dir) throws IOException {
        return (Map<?, ?>) JsonValues.parseObject(Files.readAllBytes(dir.resolve("manifest.json")));
    }

    /** Decodes the rows between consecutive split points. */
    private static float[] decode(QuantScheme scheme, StoredTensor t, long[] splits) {
        long rowLength = t.info().shape().rowLength();
        float[] out = new float[Math.toIntExact(t.info().shape().numel())];
        for (int i = 0; i + 1 < splits.length; i++) {
            int rows = Math.toIntExact(splits[i + 1] - splits[i]);
            scheme.decode(t, splits[i], rows, out, Math.toIntExact(splits[i] * rowLength));
        }
        return out;
    }

    private static float[] values(StoredTensor t) {
        int n = Math.toIntExact(t.info().shape().numel());
        float[] v = new float[n];
        var data = t.part(PartSpec.DATA).data();
        switch ((ElementType) t.info().type()) {
            case F32 -> Kernels.elements().readF32(data, 0, v, 0, n);
            case F16 -> Kernels.elements().readF16(data, 0, v, 0, n);
            case BF16 -> Kernels.elements().readBf16(data, 0, v, 0, n);
            default -> throw new AssertionError(t.name() + " is " + t.info().type());
        }
        return v;
    }

    private static void assertSameBits(float[] expected, float[] actual, String what) {
        assertThat(actual).as(what).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                assertThat(actual[i]).as("%s: element %d (bits %08x, expected %08x)", what, i,
                        Float.floatToRawIntBits(actual[i]), Float.floatToRawIntBits(expected[i])).isEqualTo(expected[i]);
            }
        }
    }
}
