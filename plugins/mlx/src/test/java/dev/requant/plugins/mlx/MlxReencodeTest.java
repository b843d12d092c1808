package dev.requant.plugins.mlx;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Kernels;
import dev.requant.plugins.support.JsonValues;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.plugins.testing.RawCheckpoints;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Encoding gives back what the MLX fixtures store. From the weights before quantization (the
 * fixture's {@code _source}) every weight, scale and bias is the stored one bit for bit. From the
 * dequantized weights it cannot be: mlx computes the codes with the f32 scale and bias but stores
 * them rounded to f16/bf16, so the dequantized group no longer spans the range the f32 scale came
 * from, and its new scale (and with it codes) differ. With the stored scales and biases given, the
 * codes come back: {@code round((w - bias) / scale)} of {@code w = scale * q + bias} is {@code q}.
 */
class MlxReencodeTest {
    private static final MlxScheme SCHEME = new MlxScheme();

    static Stream<String> fixtures() throws IOException {
        return RawCheckpoints.fixtures("mlx_");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void fromTheSourceWeightsEveryPartIsTheStoredOne(String fixture) throws IOException {
        Path dir = Checkpoints.FIXTURES.resolve(fixture);
        Map<?, ?> manifest = (Map<?, ?>) JsonValues.parse(dir, Files.readAllBytes(dir.resolve("manifest.json")));
        String source = (String) manifest.get("source_file");
        int quantized = 0;
        try (ModelSource model = new MlxReader().open(dir, Checkpoints.CONTEXT);
             ModelSource src = Checkpoints.CONTEXT.open("safetensors", dir.resolve(source).normalize())) {
            for (StoredTensor stored : quantized(model)) {
                MemorySegment[] made = encode(stored.info(), values(src, stored.name()));
                for (int p = 0; p < made.length; p++) {
                    TensorPart part = stored.parts().get(p);
                    assertThat(made[p].toArray(ValueLayout.JAVA_BYTE)).as(fixture + " " + stored.name() + " " + part.role())
                            .isEqualTo(part.data().toArray(ValueLayout.JAVA_BYTE));
                }
                quantized++;
            }
        }
        assertThat(quantized).isEqualTo(((List<?>) manifest.get("quantized_tensors")).size()).isGreaterThanOrEqualTo(14);
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void fromDequantizedTheCodesNeedTheStoredScales(String fixture) throws IOException {
        Path dir = Checkpoints.FIXTURES.resolve(fixture);
        Map<String, Integer> differing = new TreeMap<>();
        try (ModelSource model = new MlxReader().open(dir, Checkpoints.CONTEXT);
             ModelSource expected = Checkpoints.CONTEXT.open("safetensors", dir.resolve("expected.safetensors"))) {
            for (StoredTensor stored : quantized(model)) {
                float[] dequantized = values(expected, stored.name());
                MemorySegment[] made = encode(stored.info(), dequantized);
                for (int p = 0; p < made.length; p++) {
                    if (!java.util.Arrays.equals(made[p].toArray(ValueLayout.JAVA_BYTE),
                            stored.parts().get(p).data().toArray(ValueLayout.JAVA_BYTE))) {
                        differing.merge(stored.parts().get(p).role(), 1, Integer::sum);
                    }
                }
                assertCodesFromStoredScales(stored, dequantized);
            }
        }
        System.out.println("[mlx] " + fixture + " re-encoded from its dequantized weights: parts that differ " + differing);
        assertThat(differing).containsKeys(MlxParts.WEIGHT, MlxParts.SCALES);
    }

    private static void assertCodesFromStoredScales(StoredTensor stored, float[] dequantized) {
        Encoding e = (Encoding) stored.info().type();
        int bits = Integer.parseInt(e.param("bits", "4"));
        int group = Integer.parseInt(e.param("group", "64"));
        int n = dequantized.length;
        int[] codes = new int[n];
        Kernels.affine().unpackStream(stored.part(MlxParts.WEIGHT).data(), 0, bits, codes, 0, n);
        float[] scales = floats(stored.part(MlxParts.SCALES), n / group);
        float[] biases = floats(stored.part(MlxParts.BIASES), n / group);
        for (int i = 0; i < n; i++) {
            float v = (dequantized[i] - biases[i / group]) / scales[i / group];
            assertThat(Math.round(v)).as("%s value %d", stored.name(), i).isEqualTo(codes[i]);
        }
    }

    private static float[] floats(TensorPart part, int count) {
        float[] out = new float[count];
        switch (part.spec().dtype()) {
            case F16 -> Kernels.elements().readF16(part.data(), 0, out, 0, count);
            case BF16 -> Kernels.elements().readBf16(part.data(), 0, out, 0, count);
            default -> Kernels.elements().readF32(part.data(), 0, out, 0, count);
        }
        return out;
    }

    private static List<StoredTensor> quantized(ModelSource model) {
        return model.tensors().stream().filter(t -> t.info().type() instanceof Encoding)
                .map(StoredTensor.class::cast).toList();
    }

    private static float[] values(ModelSource source, String name) {
        SourceTensor t = source.tensors().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        float[] v = new float[Math.toIntExact(t.info().shape().numel())];
        Kernels.elements().readF32(((StoredTensor) t).parts().getFirst().data(), 0, v, 0, v.length);
        return v;
    }

    private static MemorySegment[] encode(TensorInfo info, float[] values) {
        QuantScheme s = SCHEME;
        List<PartSpec> layout = s.layout(info);
        MemorySegment[] out = new MemorySegment[layout.size()];
        for (int p = 0; p < out.length; p++) {
            out[p] = MemorySegment.ofArray(new byte[Math.toIntExact(layout.get(p).byteSize())]);
        }
        s.encoder(info).encode(values, 0, 0, Math.toIntExact(info.shape().rows()), out);
        return out;
    }
}
