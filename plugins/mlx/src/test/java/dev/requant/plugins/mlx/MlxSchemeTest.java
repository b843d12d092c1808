package dev.requant.plugins.mlx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import java.lang.foreign.MemorySegment;
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
        TensorInfo moe = new TensorInfo("experts", Shape.of(2, 3, 64), e);
        assertThat(scheme.layout(moe)).containsExactly(new PartSpec("weight", ElementType.U32, Shape.of(2, 3, 10)),
                new PartSpec("scales", ElementType.F16, Shape.of(2, 3, 2)),
                new PartSpec("biases", ElementType.F16, Shape.of(2, 3, 2)));
        assertThat(scheme.fit(moe)).isEmpty();
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(8, 160), scheme.encoding(Map.of()))))
                .contains("row length 160 is not a multiple of the group size 64");
        assertThat(scheme.fit(new TensorInfo("n", Shape.of(64), e))).isPresent();
        assertThat(scheme.canEncode(e)).isFalse();
        assertThatThrownBy(() -> scheme.encode(moe, new float[192], 0, 6, new MemorySegment[3]))
                .isInstanceOf(UnsupportedOperationException.class);
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
                    scheme.encoding(bits, group, ElementType.F16)), List.of(
                    part("weight", ElementType.U32, Shape.of(2, 3, in * bits / 32), packed),
                    part("scales", ElementType.F16, Shape.of(2, 3, groups), Checkpoints.f16(s)),
                    part("biases", ElementType.F16, Shape.of(2, 3, groups), Checkpoints.f16(b))));
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
