package dev.requant.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class FailConditionTest {
    private static ErrorStats stats(float[] ref, float[] out) {
        return ErrorStats.of(ref, 0, out, 0, ref.length);
    }

    @Test
    void metricsFollowTheirDefinitions() {
        ErrorStats s = stats(new float[] {3, 4}, new float[] {3, 5});
        assertThat(s.value(Metric.RMSE)).isCloseTo(Math.sqrt(0.5), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.value(Metric.REL_RMSE)).isCloseTo(Math.sqrt(1.0 / 25), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(s.value(Metric.MAX_ABS)).isEqualTo(1.0);
        assertThat(s.value(Metric.COSINE)).isCloseTo(29 / (5 * Math.sqrt(34)), org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void conditionsCombine() {
        ErrorStats s = stats(new float[] {3, 4}, new float[] {3, 5});
        assertThat(FailCondition.parse("rel_rmse > 0.1").holds(s)).isTrue();
        assertThat(FailCondition.parse("rel_rmse > 0.3").holds(s)).isFalse();
        assertThat(FailCondition.parse("rel_rmse > 0.3 or max_abs >= 1").holds(s)).isTrue();
        assertThat(FailCondition.parse("rel_rmse > 0.1 and cosine < 0.9").holds(s)).isFalse();
    }

    @Test
    void malformedConditionsSayWhy() {
        assertThatThrownBy(() -> FailCondition.parse("snr > 3")).hasMessageContaining("unknown metric 'snr'");
        assertThatThrownBy(() -> FailCondition.parse("rmse ~ 3")).hasMessageContaining("is not METRIC OP NUMBER");
    }
}
