package dev.requant.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NameMatcherTest {
    @Test
    void globsMatchTheWholeName() {
        NameMatcher m = NameMatcher.of("*norm*");
        assertThat(m.matches("model.layers.0.input_layernorm.weight")).isTrue();
        assertThat(m.matches("model.layers.0.mlp.up_proj.weight")).isFalse();
        assertThat(NameMatcher.of("blk.?.attn_v.weight").matches("blk.3.attn_v.weight")).isTrue();
        assertThat(NameMatcher.of("blk.?.attn_v.weight").matches("blk.13.attn_v.weight")).isFalse();
        assertThat(NameMatcher.of("a.b").matches("axb")).as("dots are literal in globs").isFalse();
    }

    @Test
    void regexesAreFoundAnywhere() {
        NameMatcher m = NameMatcher.of("re:layers\\.(0|1)\\.");
        assertThat(m.matches("model.layers.0.mlp.up_proj.weight")).isTrue();
        assertThat(m.matches("model.layers.10.mlp.up_proj.weight")).isFalse();
        assertThat(NameMatcher.of("re:.*embed_tokens").matches("model.embed_tokens.weight")).isTrue();
    }

    @Test
    void badRegexSaysWhere() {
        assertThatThrownBy(() -> NameMatcher.of("re:(a")).hasMessageContaining("bad regular expression");
    }
}
