package dev.requant.plugins.bnb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The schemes' parameters, their decode-only status, and their checks of the parts they are given. */
class SchemeTest {
    private final QuantScheme nf4 = new BnbNf4Scheme();
    private final QuantScheme fp4 = new BnbFp4Scheme();
    private final QuantScheme int8 = new BnbInt8Scheme();

    @Test
    void fourBitParametersHaveDefaultsAndAreChecked() {
        assertThat(nf4.encoding(Map.of()).id()).isEqualTo("bnb_nf4{block:64,double_quant:false,dtype:f16}");
        assertThat(fp4.encoding(Map.of("block", "128", "double_quant", "true", "dtype", "bf16")).id())
                .isEqualTo("bnb_fp4{block:128,double_quant:true,dtype:bf16}");
        assertThatThrownBy(() -> nf4.encoding(Map.of("blocksize", "64"))).hasMessageContaining("no parameter 'blocksize'");
        assertThatThrownBy(() -> nf4.encoding(Map.of("block", "0"))).hasMessageContaining("block must be a positive");
        assertThatThrownBy(() -> nf4.encoding(Map.of("block", "x"))).hasMessageContaining("block must be a positive");
        assertThatThrownBy(() -> nf4.encoding(Map.of("double_quant", "yes"))).hasMessageContaining("true or false");
        assertThatThrownBy(() -> nf4.encoding(Map.of("dtype", "i8"))).hasMessageContaining("f16, bf16 or f32");
        assertThat(int8.encoding(Map.of())).isEqualTo(Encoding.of("bnb_int8"));
        assertThatThrownBy(() -> int8.encoding(Map.of("dtype", "f16"))).hasMessageContaining("no parameters");
    }

    @Test
    void whatTheSchemesEncode() {
        assertThat(nf4.canEncode(nf4.encoding(Map.of()))).isTrue();
        assertThat(fp4.canEncode(fp4.encoding(Map.of("block", "4096")))).isTrue();
        assertThat(nf4.canEncode(nf4.encoding(Map.of("block", "48")))).as("not a power of two").isFalse();
        assertThat(nf4.canEncode(nf4.encoding(Map.of("block", "16")))).as("below bitsandbytes' 32").isFalse();
        assertThat(int8.canEncode(Encoding.of("bnb_int8"))).isTrue();
        assertThat(nf4.fit(new TensorInfo("w", Shape.of(3, 7), nf4.encoding(Map.of())))).isEmpty();
        for (String embedding : List.of("model.embed_tokens.weight", "transformer.wte.weight",
                "transformer.word_embeddings.weight")) {
            assertThat(nf4.fit(new TensorInfo(embedding, Shape.of(8, 64), nf4.encoding(Map.of())))).get().asString()
                    .contains("Linear layers only");
            assertThat(int8.fit(new TensorInfo(embedding, Shape.of(8, 64), Encoding.of("bnb_int8")))).isPresent();
        }
        assertThat(nf4.fit(new TensorInfo("lm_head.weight", Shape.of(8, 64), nf4.encoding(Map.of())))).isEmpty();
        assertThat(int8.fit(new TensorInfo("b", Shape.of(7), Encoding.of("bnb_int8")))).contains(
                "LLM.int8 stores 2-D weights, this one is 1-D");
        assertThat(int8.fit(new TensorInfo("x.bias", Shape.of(2, 7), Encoding.of("bnb_int8")))).get().asString()
                .contains("does not end with 'weight'");
        assertThat(int8.layout(new TensorInfo("x.weight", Shape.of(3, 7), Encoding.of("bnb_int8")))).containsExactly(
                new PartSpec("weight", ElementType.I8, Shape.of(3, 7)), new PartSpec("SCB", ElementType.F32, Shape.of(3)),
                new PartSpec("weight_format", ElementType.U8, Shape.of(), PartSpec.Rows.NONE));
    }

    @Test
    void decodeRefusesPartsThatDoNotAgree() throws IOException {
        try (ModelSource m = new BnbReader().open(Checkpoints.fixture("bnb_nf4_dq_bs64"), Checkpoints.CONTEXT)) {
            StoredTensor q = (StoredTensor) m.tensors().stream()
                    .filter(t -> t.name().equals("model.layers.0.self_attn.q_proj.weight")).findFirst().orElseThrow();
            List<TensorPart> withoutAbsmax = q.parts().stream().filter(p -> !p.role().equals("absmax")).toList();
            StoredTensor broken = new StoredTensor(q.info(), withoutAbsmax);
            assertThatThrownBy(() -> nf4.decode(broken, 0, 1, new float[64], 0))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("model.layers.0.self_attn.q_proj.weight: it has no absmax (no tensor"
                            + " model.layers.0.self_attn.q_proj.weight.absmax)");
            StoredTensor relabelled = new StoredTensor(q.info().withType(nf4.encoding(Map.of("block", "128",
                    "double_quant", "true"))), q.parts());
            assertThatThrownBy(() -> nf4.decode(relabelled, 0, 1, new float[64], 0))
                    .hasMessageContaining("its quant_state describes bnb_nf4{block:64,double_quant:true,dtype:f16},"
                            + " not bnb_nf4{block:128,double_quant:true,dtype:f16}");
        }
    }

    @Test
    void pf4jFindsTheReaderAndTheThreeSchemes() throws Exception {
        List<String> listed = new ArrayList<>();
        // this plugin's own index: other jars on the test class path have one too
        URL classes = BnbReader.class.getProtectionDomain().getCodeSource().getLocation();
        try (InputStream in = classes.toURI().resolve("META-INF/extensions.idx").toURL().openStream()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    listed.add(line.strip());
                }
            }
        }
        assertThat(listed).containsExactlyInAnyOrder(BnbReader.class.getName(), BnbNf4Scheme.class.getName(),
                BnbFp4Scheme.class.getName(), BnbInt8Scheme.class.getName());
        for (String name : listed) {
            Class<?> type = Class.forName(name);
            assertThat(Modifier.isAbstract(type.getModifiers())).as(name).isFalse();
            assertThat(type.getConstructor().newInstance()).isNotNull();
        }
    }
}
