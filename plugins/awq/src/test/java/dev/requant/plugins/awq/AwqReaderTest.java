package dev.requant.plugins.awq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.plugins.testing.Checkpoints.Tensor;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the AWQ reader recognises and refuses, and the awq encoding's parameters and parts. */
class AwqReaderTest {
    private static final AwqReader READER = new AwqReader();
    private static final String Q = "model.layers.0.self_attn.q_proj.";
    /** The first layer in the fixtures' files: settings that no layer fits are reported there. */
    private static final String DOWN = "model.layers.0.mlp.down_proj.weight";

    @TempDir
    Path dir;

    private Path copy(String fixture, UnaryOperator<List<Tensor>> edit, UnaryOperator<String> config) throws IOException {
        return Checkpoints.editedCopy(fixture, dir, edit, config);
    }

    private static AbstractThrowableAssert<?, ?> refusing(Path checkpoint, String tensor) {
        return Checkpoints.refusing(READER, checkpoint, tensor);
    }


    @ParameterizedTest
    @ValueSource(strings = {"fixtures/gptq_v1_4bit_g128_sym", "fixtures/gptq_v2_4bit_g64_asym",
            "fixtures/ct_w4_g32_sym_bf16", "fixtures/bnb_nf4_dq_bs64", "fixtures/mlx_4bit_g64", "fixtures/plain_bf16",
            "fixtures/inc_native_4bit_g32_asym_dim1", "fixtures/inc_optimum_4bit_g32_sym",
            "data/gguf/stories260K.gguf", "fixtures/README.md", "no/such/path"})
    void otherCheckpointsAndFilesAreNotAwq(String relative) {
        assertThat(READER.detect(Checkpoints.FIXTURES.getParent().resolve(relative), Checkpoints.CONTEXT))
                .isEqualTo(Detection.NONE);
    }

    @Test
    void aLoneGptqFileIsNotAwq() throws IOException {
        Path lone = Files.copy(Checkpoints.fixture("gptq_v1_4bit_g32_asym_act_partial").resolve("model.safetensors"),
                dir.resolve("model.safetensors"));
        assertThat(READER.detect(lone, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
    }

    @Test
    void autoAwqsOwnQuantConfigIsEnough() throws IOException {
        Path d = copy("awq_gemv_g32", t -> t, c -> "{}");
        Files.writeString(d.resolve("quant_config.json"), "{\"zero_point\": true, \"q_group_size\": 32, \"w_bit\": 4,"
                + " \"version\": \"GEMV\"}");
        assertThat(READER.detect(d, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        try (var m = READER.open(d, Checkpoints.CONTEXT)) {
            assertThat(m.tensors()).filteredOn(t -> t.info().type() instanceof Encoding).hasSize(14)
                    .allMatch(t -> t.info().type().id().equals("awq{bits:4,group:32,version:gemv}"));
        }
    }

    @Test
    void gemmQweightWithAColumnMissing() throws IOException {
        Path d = copy("awq_gemm_g32", t -> Checkpoints.replace(t, Checkpoints.cut(t, Q + "qweight", 64, 7)), c -> c);
        refusing(d, Q + "weight").hasMessageContaining(Q + "scales is [2, 64] but groups of 32 over 64 inputs, and 56"
                + " outputs (8 per qweight word) need [2, 56]");
    }

    @Test
    void gemmZeroPointsForTooFewGroups() throws IOException {
        Path d = copy("awq_gemm_g32", t -> Checkpoints.replace(t, Checkpoints.cut(t, Q + "qzeros", 1, 8)), c -> c);
        refusing(d, Q + "weight").hasMessageContaining(Q + "qzeros is [1, 8] but one 4-bit zero point per group and"
                + " output need [2, 8]");
    }

    @Test
    void gemvScalesNarrowerThanTheZeroPoints() throws IOException {
        Path d = copy("awq_gemv_g32", t -> Checkpoints.replace(t, Checkpoints.cut(t, Q + "scales", 64, 16)), c -> c);
        refusing(d, Q + "weight").hasMessageContaining(Q + "scales is [64, 16] but GEMV scales beside 4 zero-point"
                + " words need [64, 32]");
    }

    @Test
    void aGroupSizeThatDoesNotDivideTheInputs() throws IOException {
        Path d = copy("awq_gemm_g32", t -> t, c -> c.replace("\"group_size\": 32", "\"group_size\": 48"));
        refusing(d, DOWN).hasMessageContaining("group_size 48 (config.json quantization_config) do not divide"
                + " the 160 inputs");
    }

    @Test
    void missingParts() throws IOException {
        Path d = copy("awq_gemm_g32", t -> Checkpoints.without(t, Q + "scales"), c -> c);
        refusing(d, Q + "weight").hasMessageContaining(Q + "scales is missing");
    }

    @Test
    void codesOfAnotherWidthOrType() throws IOException {
        refusing(copy("awq_gemm_g32", t -> t, c -> c.replace("\"bits\": 4", "\"bits\": 8")), DOWN)
                .hasMessageContaining("AWQ packs 4-bit codes only");
        Path f32 = copy("awq_gemm_g32", t -> {
            Tensor q = Checkpoints.named(t, Q + "qzeros");
            return Checkpoints.replace(t, new Tensor(q.name(), ElementType.F32, q.shape(), q.data()));
        }, c -> c);
        refusing(f32, Q + "weight").hasMessageContaining("qzeros is f32 [2, 8], expected a 2-d i32 tensor");
    }

    @Test
    void packingsThatAreNotRead() throws IOException {
        Path fast = copy("awq_gemm_g32", t -> t, c -> c.replace("\"version\": \"gemm\"", "\"version\": \"gemv_fast\""));
        assertThatThrownBy(() -> READER.open(fast, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("says version gemv_fast: only gemm (also exllama, ipex) and gemv are read");
        Path llm = copy("awq_gemm_g32", t -> t, c -> c.replace("\"version\": \"gemm\"",
                "\"version\": \"gemm\", \"backend\": \"llm-awq\""));
        assertThatThrownBy(() -> READER.open(llm, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("backend llm-awq");
        Path broken = copy("awq_gemm_g32", t -> t, c -> c.substring(1));
        assertThatThrownBy(() -> READER.open(broken, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("config.json is not valid JSON");
    }

    @Test
    void encodingParametersAndParts() {
        AwqScheme scheme = new AwqScheme();
        assertThat(scheme.encoding(Map.of()).id()).isEqualTo("awq{bits:4,group:128,version:gemm}");
        assertThatThrownBy(() -> scheme.encoding(Map.of("bits", "3"))).hasMessageContaining("bits: 3 is not 4");
        assertThatThrownBy(() -> scheme.encoding(Map.of("version", "gemv_fast"))).hasMessageContaining("version");
        assertThatThrownBy(() -> scheme.encoding(Map.of("zero_point", "true"))).hasMessageContaining("no parameter");
        Encoding gemv = scheme.encoding(Map.of("group", "32", "version", "gemv"));
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(64, 160), gemv))).containsExactly(
                new PartSpec("qweight", ElementType.I32, Shape.of(64, 20)),
                new PartSpec("qzeros", ElementType.I32, Shape.of(64, 4)),
                new PartSpec("scales", ElementType.F16, Shape.of(64, 32)));
        Encoding gemm = scheme.encoding(Map.of("group", "32"));
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(64, 160), gemm))).extracting(PartSpec::shape)
                .containsExactly(Shape.of(160, 8), Shape.of(5, 8), Shape.of(5, 64));
        assertThat(scheme.canEncode(gemm)).isTrue();
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(64, 160), gemm))).extracting(PartSpec::rows)
                .containsOnly(PartSpec.Rows.LAST);
        assertThat(scheme.rowAlignment(new TensorInfo("w", Shape.of(64, 160), gemm))).isEqualTo(8);
        assertThat(scheme.rowAlignment(new TensorInfo("w", Shape.of(64, 160), gemv))).isEqualTo(1);
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(60, 64), gemm)))
                .contains("60 rows is not a multiple of 8 (8 codes per int32)");
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(64, 100), gemm)))
                .contains("row length 100 is not a multiple of the group size 32");
    }

    @Test
    void gemvZeroWordsAsAutoAwqComputesThem() {
        // calculate_zeros_width: groups in words of 8, rounded up to 4 words for groups of 32, 2 for 64
        assertThat(new AwqParams(4, 32, AwqParams.Version.GEMV).gemvZeroWords(4096)).isEqualTo(16);
        assertThat(new AwqParams(4, 64, AwqParams.Version.GEMV).gemvZeroWords(4096)).isEqualTo(8);
        assertThat(new AwqParams(4, 128, AwqParams.Version.GEMV).gemvZeroWords(4096)).isEqualTo(4);
        assertThat(new AwqParams(4, 128, AwqParams.Version.GEMV).gemvZeroWords(11008)).isEqualTo(11);
        assertThat(new AwqParams(4, 32, AwqParams.Version.GEMV).gemvZeroWords(160)).isEqualTo(4);
    }
}
