package dev.requant.kernels.internal.affine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Bits;
import dev.requant.kernels.affine.AffineQuantKernels;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The Vector API MLX quantizer gives the scalar reference's codes, scales and biases bit for bit,
 * for every width mlx packs, group sizes below and above the vector width, groups of one sign,
 * constant and all-zero groups, exact halves and specials.
 */
class AffineQuantEquivalenceTest {
    private static final int ROUNDS = 10;
    private static final int[] BITS = {2, 3, 4, 5, 6, 8};
    private static final int[] GROUPS = {8, 32, 64, 128};

    private final AffineQuantKernels scalar = ScalarAffineQuantKernels.INSTANCE;
    private final AffineQuantKernels vector = VectorAffineQuantKernels.INSTANCE;

    @Test
    void quantizesAlike() {
        SplittableRandom rnd = new SplittableRandom(17);
        for (int round = 0; round < ROUNDS; round++) {
            for (int bits : BITS) {
                for (int group : GROUPS) {
                    int rows = rnd.nextInt(1, 4);
                    int rowLength = group * rnd.nextInt(1, 4);
                    float[] src = new float[rows * rowLength + 2];
                    for (int i = 0; i < src.length; i++) {
                        int kind = rnd.nextInt(12);
                        src[i] = switch (kind) {
                            case 0 -> 0f;
                            case 1 -> (float) rnd.nextInt(-8, 8) / 2;
                            case 2 -> round % 3 == 0 ? Float.NaN : -0f;
                            default -> (float) (rnd.nextDouble(-1, 1) * Math.pow(10, rnd.nextInt(-9, 2)));
                        };
                    }
                    if (round % 4 == 1) {
                        java.util.Arrays.fill(src, 2, 2 + group, 0.25f);
                    } else if (round % 4 == 2) {
                        for (int i = 2; i < 2 + group; i++) {
                            src[i] = -Math.abs(src[i]);
                        }
                    }
                    int groups = rows * rowLength / group;
                    float[] ss = new float[groups];
                    float[] sb = new float[groups];
                    float[] vs = new float[groups];
                    float[] vb = new float[groups];
                    int bytes = rows * rowLength * bits / 8;
                    MemorySegment sp = MemorySegment.ofArray(new byte[bytes]);
                    MemorySegment vp = MemorySegment.ofArray(new byte[bytes]);
                    scalar.quantizeRows(src, 2, rows, rowLength, group, bits, sp, 0, ss, sb, 0);
                    vector.quantizeRows(src, 2, rows, rowLength, group, bits, vp, 0, vs, vb, 0);
                    String what = bits + " bits, groups of " + group;
                    Bits.assertSameBits(ss, vs, what + ": scales");
                    Bits.assertSameBits(sb, vb, what + ": biases");
                    assertThat(vp.toArray(ValueLayout.JAVA_BYTE)).as(what).isEqualTo(sp.toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
    }

    @Test
    void mlxRulesOnSmallGroups() {
        // 2 bits, group [-1, 0, 0.5, 1]: max 1 wins the tie of magnitudes, scale -2/3, q0 = round(-1.5) = -2
        float[] src = {-1f, 0f, 0.5f, 1f};
        float[] s = new float[1];
        float[] b = new float[1];
        MemorySegment p = MemorySegment.ofArray(new byte[1]);
        ScalarAffineQuantKernels.INSTANCE.quantizeRows(src, 0, 1, 4, 4, 2, p, 0, s, b, 0);
        assertThat(s[0]).isEqualTo(1f / -2f);
        assertThat(b[0]).isEqualTo(1f);
        // codes (x - 1) / -0.5: 4 -> 3 (clamped), 2, 1, 0, little-endian in the byte
        assertThat(p.get(ValueLayout.JAVA_BYTE, 0) & 0xFF).isEqualTo(3 | 2 << 2 | 1 << 4);
        assertThat(ScalarAffineQuantKernels.roundHalfAway(-2.5f)).isEqualTo(-3f);
        assertThat(ScalarAffineQuantKernels.roundHalfAway(0.49999997f)).isEqualTo(0f);
        assertThat(ScalarAffineQuantKernels.code(2.5f, 15)).isEqualTo(3);
        // an all-positive group keeps max from its values and min from them too; all zeros give scale -1e-7
        ScalarAffineQuantKernels.INSTANCE.quantizeRows(new float[4], 0, 1, 4, 4, 2, p, 0, s, b, 0);
        assertThat(s[0]).isEqualTo(-1e-7f);
        assertThat(b[0]).isZero();
    }
}
