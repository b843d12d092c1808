package dev.requant.plugins.gptq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The gptq encoding's parameters and parts. */
class GptqSchemeTest {
    private final GptqScheme scheme = new GptqScheme();

    @Test
    void parametersAreCheckedAndCompleted() {
        assertThat(scheme.encoding(Map.of()).id()).isEqualTo("gptq{bits:4,desc_act:false,format:v1,group:128,sym:true}");
        Encoding e = scheme.encoding(Map.of("bits", "3", "group", "-1", "format", "v2"));
        assertThat(e.params()).containsEntry("bits", "3").containsEntry("group", "-1").containsEntry("format", "v2");
        assertThat(scheme.encoding(((Encoding) TensorType.parse(e.id())).params())).isEqualTo(e);
        assertThatThrownBy(() -> scheme.encoding(Map.of("bits", "5"))).hasMessageContaining("bits: 5");
        assertThatThrownBy(() -> scheme.encoding(Map.of("group", "0"))).hasMessageContaining("group: 0");
        assertThatThrownBy(() -> scheme.encoding(Map.of("format", "marlin"))).hasMessageContaining("format: 'marlin'");
        assertThatThrownBy(() -> scheme.encoding(Map.of("sym", "yes"))).hasMessageContaining("sym: 'yes'");
        assertThatThrownBy(() -> scheme.encoding(Map.of("zero", "1"))).hasMessageContaining("no parameter 'zero'");
    }

    @Test
    void layoutOfAPartialLastGroupAndOfThreeBitCodes() {
        TensorInfo partial = new TensorInfo("w", Shape.of(64, 136), scheme.encoding(Map.of("group", "32")));
        assertThat(scheme.layout(partial)).containsExactly(
                new PartSpec("qweight", ElementType.I32, Shape.of(17, 64), PartSpec.Rows.LAST),
                new PartSpec("qzeros", ElementType.I32, Shape.of(5, 8), PartSpec.Rows.LAST),
                new PartSpec("scales", ElementType.F16, Shape.of(5, 64), PartSpec.Rows.LAST),
                new PartSpec("g_idx", ElementType.I32, Shape.of(136), PartSpec.Rows.NONE));
        TensorInfo threeBits = new TensorInfo("w", Shape.of(64, 160), scheme.encoding(Map.of("bits", "3", "group", "-1")));
        assertThat(scheme.layout(threeBits)).extracting(PartSpec::shape)
                .containsExactly(Shape.of(15, 64), Shape.of(1, 6), Shape.of(1, 64), Shape.of(160));
    }

    @Test
    void fitNamesEveryShapeItRefuses() {
        Encoding e = scheme.encoding(Map.of("group", "32"));
        assertThat(scheme.canEncode(e)).isTrue();
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(64, 128), e))).isEmpty();
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(4), e))).contains("gptq holds 2-d weights, not 1-d");
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(64, 136), e)))
                .contains("row length 136 is not a multiple of group 32 (pad:true stores a partial last group, as"
                        + " GPTQModel does)");
        Encoding pad = scheme.encoding(Map.of("group", "32", "pad", "true"));
        assertThat(pad.id()).isEqualTo("gptq{bits:4,desc_act:false,format:v1,group:32,pad:true,sym:true}");
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(64, 136), pad))).isEmpty();
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(12, 128), e)))
                .contains("out_features 12 is not a multiple of 8: qzeros packs 8 outputs per int32 word");
        Encoding three = scheme.encoding(Map.of("bits", "3", "group", "-1"));
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(48, 136), three)))
                .contains("out_features 48 is not a multiple of 32: qzeros packs 32 outputs in 3 int32 words");
        assertThat(scheme.rowAlignment(new TensorInfo("w", Shape.of(64, 64), three))).isEqualTo(32);
        assertThat(scheme.rowAlignment(new TensorInfo("w", Shape.of(64, 64), scheme.encoding(Map.of("bits", "2")))))
                .isEqualTo(16);
        Encoding act = scheme.encoding(Map.of("desc_act", "true"));
        assertThat(scheme.canEncode(act)).isFalse();
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(64, 128), act))).get().asString().contains("act-order");
    }

    @Test
    void v1OnePerFieldConstantsAreGptqModels() {
        assertThat(GptqZeroPoints.onePerField(2)).isEqualTo(0x55555555);
        assertThat(GptqZeroPoints.onePerField(4)).isEqualTo(0x11111111);
        assertThat(GptqZeroPoints.onePerField(8)).isEqualTo(0x01010101);
    }
}
