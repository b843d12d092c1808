package dev.requant.kernels.internal.ggml;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.ggml.BlockCodec;
import dev.requant.kernels.ggml.GgmlType;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the super-block types do between their groups, in both implementations: a group whose
 * quantized scale comes out zero keeps the levels its search chose (ggml skips it when it
 * requantizes), and NaNs count as one NaN whatever their bits.
 */
class SuperBlockEquivalenceTest {
    enum Impl {
        SCALAR(GgmlCodecs::scalar), VECTOR(GgmlCodecs::vector);

        final Function<GgmlType, Optional<BlockCodec>> codecs;

        Impl(Function<GgmlType, Optional<BlockCodec>> codecs) {
            this.codecs = codecs;
        }
    }

    /** 256 Gaussian values but group {@code small} (of {@code size}), a million times smaller. */
    private static float[] oneSmallGroup(int size, int small) {
        SplittableRandom rnd = new SplittableRandom(size * 31L + small);
        float[] x = new float[256];
        for (int i = 0; i < 256; i++) {
            x[i] = (float) (rnd.nextGaussian() * (i / size == small ? 1e-6 : 1));
        }
        return x;
    }

    private static byte[] quantize(Impl impl, GgmlType type, float[] x) {
        byte[] out = new byte[(int) type.rowBytes(256)];
        impl.codecs.apply(type).orElseThrow().quantize(x, 0, 256, MemorySegment.ofArray(out), 0);
        return out;
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aQ4KGroupWithAZeroScaleCodeKeepsItsSearchsLevels(Impl impl) {
        float[] x = oneSmallGroup(32, 3);
        byte[] b = quantize(impl, GgmlType.Q4_K, x);
        GroupFits fits = GroupFits.scalar(8, 32);
        Qkx2Fit.fit(Qkx2Fit.Q4_K, x, 0, 8, fits);
        // group 3: scale code 3 is the low six bits of scales[3], nibbles high in chunk 1
        assertThat(b[4 + 3] & 63).isZero();
        byte[] kept = new byte[32];
        for (int l = 0; l < 32; l++) {
            kept[l] = (byte) ((b[16 + 32 + l] & 0xFF) >> 4);
        }
        assertThat(kept).containsExactly(Arrays.copyOfRange(fits.levels, 96, 128)).containsAnyOf((byte) 1, (byte) 2);
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aQ2KGroupWithAZeroScaleCodeKeepsItsSearchsLevels(Impl impl) {
        float[] x = oneSmallGroup(16, 9);
        byte[] b = quantize(impl, GgmlType.Q2_K, x);
        GroupFits fits = GroupFits.scalar(16, 16);
        Qkx2Fit.fit(Qkx2Fit.Q2_K, x, 0, 16, fits);
        assertThat(b[9] & 15).isZero();
        for (int n = 144; n < 160; n++) {
            int level = ((b[16 + 32 * (n / 128) + n % 32] & 0xFF) >> 2 * ((n % 128) / 32)) & 3;
            assertThat(level).as("value %d", n).isEqualTo(fits.levels[n]);
        }
    }

    @ParameterizedTest
    @EnumSource(Impl.class)
    void aQ6KGroupWithAZeroScaleKeepsItsSearchsLevels(Impl impl) {
        float[] x = oneSmallGroup(16, 5);
        byte[] b = quantize(impl, GgmlType.Q6_K, x);
        GroupFits fits = GroupFits.scalar(16, 16);
        QxFit.fit(x, 0, 16, fits);
        assertThat(b[192 + 5]).isZero();
        for (int n = 80; n < 96; n++) {
            int k = n / 32;
            int l = n % 32;
            int low = ((b[l + 32 * (k % 2)] & 0xFF) >> 4 * (k / 2)) & 15;
            int high = ((b[128 + l] & 0xFF) >> 2 * k) & 3;
            assertThat(low | high << 4).as("value %d", n).isEqualTo(fits.levels[n]);
        }
    }

    static List<GgmlType> searched() {
        return List.of(GgmlType.Q2_K, GgmlType.Q3_K, GgmlType.Q4_K, GgmlType.Q5_K, GgmlType.Q6_K, GgmlType.IQ4_NL,
                GgmlType.IQ4_XS);
    }

    @ParameterizedTest
    @MethodSource("searched")
    void nanBitsDoNotMatter(GgmlType type) {
        SplittableRandom rnd = new SplittableRandom(11);
        float[] plain = new float[256];
        for (int i = 0; i < 256; i++) {
            plain[i] = (float) rnd.nextGaussian();
        }
        float[] withNaNs = plain.clone();
        float[] defaultNaNs = plain.clone();
        int[] payloads = {0x7FC12345, 0xFFC00001, 0x7F800001, 0x7FC00000, 0xFFFFFFFF};
        for (int k = 0; k < payloads.length; k++) {
            int at = 3 + 50 * k;
            withNaNs[at] = Float.intBitsToFloat(payloads[k]);
            defaultNaNs[at] = Float.intBitsToFloat(0xFFC00000);
        }
        withNaNs[77] = Float.POSITIVE_INFINITY;
        defaultNaNs[77] = Float.POSITIVE_INFINITY;
        byte[] expected = quantize(Impl.SCALAR, type, defaultNaNs);
        for (Impl impl : Impl.values()) {
            for (int round = 0; round < 20; round++) {
                assertThat(quantize(impl, type, withNaNs)).as("%s %s", type, impl).containsExactly(expected);
            }
        }
    }
}
