package dev.requant.plugins.inc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import java.lang.foreign.MemorySegment;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The inc scheme's parameters per format, and the layouts they describe. */
class IncSchemeTest {
    private final IncScheme scheme = new IncScheme();

    @Test
    void parametersPerFormat() {
        assertThat(scheme.encoding(Map.of()).id())
                .isEqualTo("inc{act_order:false,bits:4,format:optimum,group:128,scale:f16,sym:true}");
        assertThat(scheme.encoding(Map.of("format", "native")).id())
                .isEqualTo("inc{act_order:false,bits:4,dim:1,format:native,group:128,scale:f32,sym:true,word:i32}");
        Encoding e = scheme.encoding(Map.of("format", "native", "bits", "3", "dim", "0", "word", "i8", "sym", "false"));
        assertThat(TensorType.parse(e.id())).isEqualTo(e);
        assertThatThrownBy(() -> scheme.encoding(Map.of("format", "optimum", "word", "i8")))
                .hasMessageContaining("word i8 is not i32, the optimum format's");
        assertThatThrownBy(() -> scheme.encoding(Map.of("format", "optimum", "dim", "0"))).hasMessageContaining("dim 0");
        assertThatThrownBy(() -> scheme.encoding(Map.of("format", "gguf"))).hasMessageContaining("not optimum or native");
        assertThatThrownBy(() -> scheme.encoding(Map.of("bits", "9"))).hasMessageContaining("bits 9 is not 1 to 8");
        assertThatThrownBy(() -> scheme.encoding(Map.of("group", "0"))).hasMessageContaining("group 0");
        assertThatThrownBy(() -> scheme.encoding(Map.of("sym", "yes"))).hasMessageContaining("'yes' is not true or false");
        assertThatThrownBy(() -> scheme.encoding(Map.of("zero", "1"))).hasMessageContaining("no parameter 'zero'");
    }

    @Test
    void layouts() {
        Encoding optimum = scheme.encoding(Map.of("bits", "3", "group", "32", "act_order", "true"));
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(40, 64), optimum))).containsExactly(
                new PartSpec("qweight", ElementType.I32, Shape.of(7, 40)),
                new PartSpec("qzeros", ElementType.I32, Shape.of(2, 4)),
                new PartSpec("scales", ElementType.F16, Shape.of(2, 40)),
                new PartSpec("g_idx", ElementType.I32, Shape.of(64)));
        Encoding dim0 = scheme.encoding(Map.of("format", "native", "bits", "2", "group", "16", "dim", "0", "word", "i8",
                "sym", "false"));
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(10, 48), dim0))).containsExactly(
                new PartSpec("qweight", ElementType.I8, Shape.of(3, 48)),
                new PartSpec("qzeros", ElementType.I8, Shape.of(3, 3)),
                new PartSpec("scales", ElementType.F32, Shape.of(10, 3)));
        Encoding perChannel = scheme.encoding(Map.of("format", "native", "bits", "5", "group", "-1", "word", "i16"));
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(8, 40), perChannel))).containsExactly(
                new PartSpec("qweight", ElementType.I16, Shape.of(8, 14)),
                new PartSpec("scales", ElementType.F32, Shape.of(8, 1)));
    }

    @Test
    void decodesOnly() {
        Encoding e = scheme.encoding(Map.of());
        TensorInfo t = new TensorInfo("w", Shape.of(8, 128), e);
        assertThat(scheme.canEncode(e)).isFalse();
        assertThat(scheme.fit(t)).isEmpty();
        assertThat(scheme.fit(new TensorInfo("v", Shape.of(8), e))).contains("inc quantizes Linear weights [out, in];"
                + " this tensor is 1-d");
        assertThatThrownBy(() -> scheme.encode(t, new float[1024], 0, 8, new MemorySegment[3]))
                .isInstanceOf(UnsupportedOperationException.class);
    }
}
