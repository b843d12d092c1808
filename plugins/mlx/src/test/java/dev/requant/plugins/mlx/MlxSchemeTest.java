package dev.requant.plugins.mlx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.plugins.testing.RawCheckpoints;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The mlx scheme's parameters and layout, and decoding of every bit width on tensors packed here. */
class MlxSchemeTest {
    private final MlxScheme scheme = new MlxScheme();

    @Test
    void parametersDefaultToMlxsAndAreChecked() {
        assertThat(scheme.encoding(Map.of()).id()).isEqualTo("mlx{bits:4,group:64,scale:f16}");
        assertThat(scheme.encoding(Map.of("bits", "3", "group", "32", "scale", "BF16")).id())
                .isEqualTo("mlx{bits:3,group:32,scale:bf16}");
        assertThat(TensorType.parse("mlx{bits:8,group:128,scale:f32}"))
                .isEqualTo(scheme.encoding(Map.of("bits", "8", "group", "128", "scale", "f32")));
        assertThatThrownBy(() -> scheme.encoding(Map.of("bit", "4"))).hasMessageContaining("no parameter 'bit'");
        assertThatThrownBy(() -> scheme.encoding(Map.of("bits", "9"))).hasMessageContaining("bits 9 is not 2 to 8");
        assertThatThrownBy(() -> scheme.encoding(Map.of("bits", "four"))).hasMessageContaining("'four' is not an integer");
        assertThatThrownBy(() -> scheme.encoding(Map.of("scale", "i8"))).hasMessageContaining("not f16, bf16 or f32");
    }

    @Test
    void layoutFitAndEncoding() {
        Encoding e = scheme.encoding(Map.of("bits", "5", "group", "32"));
        TensorInfo moe = new TensorInfo("model.layers.0.mlp.experts.weight", Shape.of(2, 3, 64), e);
        assertThat(scheme.layout(moe)).containsExactly(new PartSpec("weight", ElementType.U32, Shape.of(2, 3, 10)),
                new PartSpec("scales", ElementType.F16, Shape.of(2, 3, 2)),
                new PartSpec("biases", ElementType.F16, Shape.of(2, 3, 2)));
        assertThat(scheme.fit(moe)).isEmpty();
        assertThat(scheme.fit(new TensorInfo("w.weight", Shape.of(8, 160), scheme.encoding(Map.of()))))
                .contains("row length 160 is not a multiple of the group size 64");
        assertThat(scheme.fit(new TensorInfo("w.weight", Shape.of(8, 48), scheme.encoding(Map.of("bits", "3",
                "group", "16"))))).contains("row length 48 at 3 bits does not fill whole uint32 words");
        assertThat(scheme.fit(new TensorInfo("w.bias", Shape.of(8, 64), e))).get().asString().contains("P.weight");
        assertThat(scheme.fit(new TensorInfo("n.weight", Shape.of(64), e))).isPresent();
        assertThat(scheme.canEncode(e)).isTrue();
        assertThat(scheme.canEncode(scheme.encoding(Map.of("bits", "7")))).isFalse();
        assertThat(scheme.canEncode(scheme.encoding(Map.of("group", "16")))).isFalse();
    }

    @Test
    void encodesRowRangesAsTheWholeAndDecodesClose() {
        Encoding e = scheme.encoding(Map.of("bits", "4", "group", "32", "scale", "bf16"));
        TensorInfo t = new TensorInfo("model.embed_tokens.weight", Shape.of(10, 96), e);
        SplittableRandom rnd = new SplittableRandom(5);
        float[] values = new float[960];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) rnd.nextGaussian() * 0.02f;
        }
        List<PartSpec> layout = scheme.layout(t);
        MemorySegment[] whole = new MemorySegment[3];
        for (int p = 0; p < 3; p++) {
            whole[p] = MemorySegment.ofArray(new byte[Math.toIntExact(layout.get(p).byteSize())]);
        }
        scheme.encoder(t).encode(values, 0, 0, 10, whole);
        for (int first = 0; first < 10; first += 3) {
            int rows = Math.min(3, 10 - first);
            List<PartSpec> chunk = scheme.layout(new TensorInfo(t.name(), Shape.of(rows, 96), e));
            MemorySegment[] made = new MemorySegment[3];
            for (int p = 0; p < 3; p++) {
                made[p] = MemorySegment.ofArray(new byte[Math.toIntExact(chunk.get(p).byteSize())]);
            }
            scheme.encoder(t).encode(values, first * 96, first, rows, made);
            for (int p = 0; p < 3; p++) {
                long at = first * layout.get(p).byteSize() / 10;
                assertThat(made[p].toArray(ValueLayout.JAVA_BYTE)).as("part %d rows from %d", p, first)
                        .isEqualTo(whole[p].asSlice(at, made[p].byteSize()).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        List<TensorPart> parts = new java.util.ArrayList<>();
        for (int p = 0; p < 3; p++) {
            parts.add(new TensorPart(layout.get(p), whole[p]));
        }
        float[] back = new float[960];
        scheme.decode(new StoredTensor(t, parts), 0, 10, back, 0);
        double err = 0;
        double norm = 0;
        for (int i = 0; i < 960; i++) {
            err += (back[i] - values[i]) * (double) (back[i] - values[i]);
            norm += values[i] * (double) values[i];
        }
        assertThat(Math.sqrt(err / norm)).isLessThan(0.15);
    }

    @Test
    void checkpointNamesAndConfigAreMlxLm() {
        var layout = scheme.checkpointLayout().orElseThrow();
        Encoding four = scheme.encoding(Map.of());
        Encoding eight = scheme.encoding(Map.of("bits", "8", "group", "32"));
        TensorInfo q = new TensorInfo("model.layers.0.self_attn.q_proj.weight", Shape.of(64, 64), four);
        assertThat(layout.partNames(q)).containsExactly("model.layers.0.self_attn.q_proj.weight",
                "model.layers.0.self_attn.q_proj.scales", "model.layers.0.self_attn.q_proj.biases");
        var config = layout.config(List.of(q, q.withName("model.layers.1.self_attn.q_proj.weight"),
                new TensorInfo("lm_head.weight", Shape.of(96, 64), eight),
                new TensorInfo("model.norm.weight", Shape.of(64), ElementType.F16)));
        String want = "{\"group_size\": 64, \"bits\": 4, \"mode\": \"affine\", \"lm_head\": {\"group_size\": 32,"
                + " \"bits\": 8, \"mode\": \"affine\"}}";
        assertThat(config.configEntries()).containsOnly(Map.entry("quantization", want),
                Map.entry("quantization_config", want));
        assertThat(config.sideFiles()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8})
    void everyWidthDecodesAsScaleTimesCodePlusBias(int bits) {
        for (int group : new int[] {32, 64, 128}) {
            SplittableRandom rnd = new SplittableRandom(bits * 1000L + group);
            int in = 256;
            int rows = 6;
            int groups = in / group;
            int[][] q = new int[rows][in];
            float[] s = new float[rows * groups];
            float[] b = new float[rows * groups];
            BigInteger[] streams = new BigInteger[rows];
            for (int r = 0; r < rows; r++) {
                streams[r] = BigInteger.ZERO;
                for (int k = 0; k < in; k++) {
                    q[r][k] = rnd.nextInt(1 << bits);
                    streams[r] = streams[r].or(BigInteger.valueOf(q[r][k]).shiftLeft(k * bits));
                }
            }
            for (int i = 0; i < s.length; i++) {
                s[i] = Float.float16ToFloat(Float.floatToFloat16((float) rnd.nextGaussian() / 16));
                b[i] = Float.float16ToFloat(Float.floatToFloat16((float) rnd.nextGaussian()));
            }
            byte[] packed = new byte[rows * in * bits / 8];
            for (int r = 0; r < rows; r++) {
                byte[] le = littleEndian(streams[r], in * bits / 8);
                System.arraycopy(le, 0, packed, r * le.length, le.length);
            }
            StoredTensor t = new StoredTensor(new TensorInfo("w", Shape.of(2, 3, in),
                    new MlxParams(bits, group, ElementType.F16).encoding()), List.of(
                    part("weight", ElementType.U32, Shape.of(2, 3, in * bits / 32), packed),
                    part("scales", ElementType.F16, Shape.of(2, 3, groups), RawCheckpoints.f16(s)),
                    part("biases", ElementType.F16, Shape.of(2, 3, groups), RawCheckpoints.f16(b))));
            float[] all = new float[rows * in];
            scheme.decode(t, 0, rows, all, 0);
            for (int r = 0; r < rows; r++) {
                for (int k = 0; k < in; k++) {
                    int g = r * groups + k / group;
                    assertThat(all[r * in + k]).as("%d bits, group %d, [%d][%d]", bits, group, r, k)
                            .isEqualTo(s[g] * q[r][k] + b[g]);
                }
            }
            float[] part = new float[2 * in + 1];
            scheme.decode(t, 3, 2, part, 1);
            for (int i = 0; i < 2 * in; i++) {
                assertThat(part[1 + i]).isEqualTo(all[3 * in + i]);
            }
        }
    }

    private static TensorPart part(String role, ElementType type, Shape shape, byte[] bytes) {
        return new TensorPart(new PartSpec(role, type, shape), MemorySegment.ofArray(bytes));
    }

    private static byte[] littleEndian(BigInteger value, int bytes) {
        byte[] out = new byte[bytes];
        byte[] big = value.toByteArray();
        for (int i = 0; i < bytes && i < big.length; i++) {
            out[i] = big[big.length - 1 - i];
        }
        return out;
    }
}
