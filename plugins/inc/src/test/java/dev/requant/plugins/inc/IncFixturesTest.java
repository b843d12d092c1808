package dev.requant.plugins.inc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.plugins.support.JsonValues;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.plugins.testing.RawCheckpoints;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorPart;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every neural-compressor fixture decodes to its expected.safetensors bit for bit, with the
 * parameters its manifest states; the ITREX blob fixture is recognised and refused.
 */
class IncFixturesTest {
    private static final Map<String, QuantScheme> SCHEMES = Map.of(IncScheme.ID, new IncScheme());
    private static final IncReader READER = new IncReader();

    static Stream<String> fixtures() throws IOException {
        return RawCheckpoints.fixtures("inc_");
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    @SuppressWarnings("unchecked")
    void decodesExactly(String fixture) throws IOException {
        Path folder = Checkpoints.FIXTURES.resolve(fixture);
        Map<String, Object> manifest = JsonValues.asObject(JsonValues.parse(folder.resolve("manifest.json"),
                Files.readAllBytes(folder.resolve("manifest.json")))).orElse(null);
        Map<String, Object> spec = JsonValues.asObject(manifest.get("spec")).orElse(null);
        List<Object> quantized = (List<Object>) manifest.get("quantized_tensors");
        boolean optimum = (Boolean) spec.get("optimum");
        assertThat(READER.detect(folder, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        try (ModelSource model = READER.open(folder, Checkpoints.CONTEXT);
             ModelSource expected = Checkpoints.CONTEXT.open("safetensors", folder.resolve("expected.safetensors"))) {
            assertThat(model.format()).isEqualTo("inc");
            assertThat(model.tensors()).extracting(SourceTensor::name)
                    .containsExactlyInAnyOrderElementsOf(expected.tensors().stream().map(SourceTensor::name).toList());
            Map<String, SourceTensor> byName = new HashMap<>();
            model.tensors().forEach(t -> byName.put(t.name(), t));
            int compared = 0;
            for (SourceTensor e : expected.tensors()) {
                SourceTensor t = byName.get(e.name());
                assertThat(t.info().shape()).as(e.name()).isEqualTo(e.info().shape());
                if (quantized.contains(e.name())) {
                    Encoding enc = (Encoding) t.info().type();
                    assertThat(enc.scheme()).isEqualTo("inc");
                    assertThat(enc.params()).containsEntry("format", optimum ? "optimum" : "native")
                            .containsEntry("bits", spec.get("bits").toString())
                            .containsEntry("group", spec.get("group_size").toString())
                            .containsEntry("sym", spec.get("sym").toString())
                            .containsEntry("act_order", "false");
                    if (!optimum) {
                        assertThat(enc.params()).containsEntry("dim", spec.get("dim").toString())
                                .containsEntry("word", "i32").containsEntry("scale", "f32");
                    }
                    List<String> roles = ((StoredTensor) t).parts().stream().map(TensorPart::role).toList();
                    if (optimum) {
                        // the all-zero bias neural-compressor registers on every layer is no model parameter
                        assertThat(roles).containsExactly("qweight", "qzeros", "scales", "bias", "scale_bf16_to_fp8");
                    } else if ((Boolean) spec.get("sym")) {
                        assertThat(roles).containsExactly("qweight", "scales", "scale_bf16_to_fp8");
                    } else {
                        assertThat(roles).containsExactly("qweight", "qzeros", "scales", "scale_bf16_to_fp8");
                    }
                    compared++;
                } else {
                    assertThat(t.info().type()).as(e.name()).isInstanceOf(ElementType.class);
                }
                float[] want = RawCheckpoints.decode(e, SCHEMES);
                float[] got = RawCheckpoints.decode(t, SCHEMES);
                for (int i = 0; i < want.length; i++) {
                    if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                        assertThat(got[i]).as("%s %s element %d", fixture, e.name(), i).isEqualTo(want[i]);
                    }
                }
            }
            assertThat(compared).isEqualTo(quantized.size()).isEqualTo(14);
        }
    }

    @Test
    void anItrexBlobIsRecognisedAndRefusedWithTheWayOut() throws IOException {
        Path folder = Checkpoints.FIXTURES.resolve("itrex_blob_int4_refuse");
        assertThat(READER.detect(folder, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        assertThatThrownBy(() -> READER.open(folder, Checkpoints.CONTEXT))
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.tensor()).isEqualTo("model.layers.0.mlp.down_proj.weight");
                    assertThat(e.problem()).startsWith("is a 1-D i8 blob of 6656 bytes where a matrix [out, in] belongs")
                            .contains("intel-extension-for-transformers", "QBits/BesTLA",
                                    "quant_method rtn, weight_dtype int4_clip, group_size 32, scheme sym",
                                    "save_low_bit", "GPTQ-compatible");
                });
    }
}
