package dev.requant.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConditionTest {
    private static Map<String, Object> layer(long i, long n) {
        return Map.of("i", i, "n", n, "arch", "llama", "gqa", 4L, "has_output", true);
    }

    @Test
    void arithmeticIsIntegerAsInC() {
        Condition moreBits = Condition.parse("i < n/8 or i >= 7*n/8 or (i - n/8) % 3 == 2");
        StringBuilder chosen = new StringBuilder();
        for (int i = 0; i < 32; i++) {
            chosen.append(moreBits.holds(layer(i, 32)) ? 'x' : '.');
        }
        // llama.cpp's use_more_bits for 32 layers: 0-3, then every third from 6 (4 + 2), and 28-31
        assertThat(chosen).hasToString("xxxx..x..x..x..x..x..x..x..xxxxx");
        assertThat(Condition.parse("(i - n/8) % 3 == -1").holds(layer(0, 32))).as("-4 % 3 keeps the sign").isTrue();
        assertThat(Condition.parse("(i - n/8) % 3 == -2").holds(layer(2, 32))).isTrue();
    }

    @Test
    void stringsBooleansAndNot() {
        assertThat(Condition.parse("arch == 'falcon'").holds(layer(0, 8))).isFalse();
        assertThat(Condition.parse("arch != 'falcon' and gqa >= 4").holds(layer(0, 8))).isTrue();
        assertThat(Condition.parse("not has_output").holds(layer(0, 8))).isFalse();
    }

    @Test
    void onlyArithmeticIsAllowed() {
        assertThatThrownBy(() -> Condition.parse("arch.getClass() == null")).hasMessageContaining("does not parse");
        assertThatThrownBy(() -> Condition.parse("i = 3")).hasMessageContaining("does not parse");
        assertThatThrownBy(() -> Condition.parse("new('java.io.File', '/') != null")).hasMessageContaining("does not parse");
        assertThatThrownBy(() -> Condition.parse("layer < 3")).hasMessageContaining("unknown layer");
        assertThatThrownBy(() -> Condition.parse("i +")).hasMessageContaining("does not parse");
    }

    @Test
    void aConditionMustBeTrueOrFalse() {
        assertThatThrownBy(() -> Condition.parse("i + 1").holds(layer(0, 8)))
                .hasMessageContaining("gives 1, not true or false");
    }
}
