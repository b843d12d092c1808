package dev.requant.kernels.internal.ggml;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * ggml's grid lookup ({@code best_index_int8}) and the thresholds the lane-wise lookup counts
 * instead: the same index for every value tried, around every decision point to the last ulp.
 */
class Iq4FitTest {
    @Test
    void bisectionFindsTheNearestGridValueWithTiesUp() {
        assertThat(Iq4Fit.bestIndex(-1000f)).isZero();
        assertThat(Iq4Fit.bestIndex(-127f)).isZero();
        assertThat(Iq4Fit.bestIndex(113f)).isEqualTo(15);
        assertThat(Iq4Fit.bestIndex(1e30f)).isEqualTo(15);
        assertThat(Iq4Fit.bestIndex(Float.NaN)).isEqualTo(15);
        assertThat(Iq4Fit.bestIndex(-4.5f)).isEqualTo(8); // between -10 and 1: 5.5 against 5.5, the tie goes up
        assertThat(Iq4Fit.bestIndex(-4.6f)).isEqualTo(7);
        assertThat(Iq4Fit.bestIndex(0f)).isEqualTo(8);
        assertThat(Iq4Fit.bestIndex(101f)).isEqualTo(15); // 89 and 113: 12 against 12
    }

    @Test
    void countingThresholdsGivesTheBisectionsIndex() {
        for (int k = 1; k < 16; k++) {
            float t = Iq4Lanes.UP[k];
            assertThat(Iq4Fit.bestIndex(t)).as("at threshold %d", k).isEqualTo(k);
            assertThat(Iq4Fit.bestIndex(Math.nextDown(t))).as("below threshold %d", k).isEqualTo(k - 1);
            float v = t;
            for (int ulp = 0; ulp < 2000; ulp++) {
                assertSameIndex(v);
                assertSameIndex(-v);
                v = Math.nextDown(v);
            }
            v = t;
            for (int ulp = 0; ulp < 2000; ulp++) {
                assertSameIndex(v);
                v = Math.nextUp(v);
            }
        }
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 200_000; i++) {
            assertSameIndex((float) rnd.nextDouble(-140, 130));
            assertSameIndex(Float.intBitsToFloat(rnd.nextInt()));
        }
        for (float special : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f}) {
            assertSameIndex(special);
        }
    }

    private static void assertSameIndex(float v) {
        int count = 0;
        for (int k = 1; k < 16; k++) {
            count += v < Iq4Lanes.UP[k] ? 0 : 1;
        }
        assertThat(count).as("index of %s (%08x)", v, Float.floatToRawIntBits(v)).isEqualTo(Iq4Fit.bestIndex(v));
    }
}
