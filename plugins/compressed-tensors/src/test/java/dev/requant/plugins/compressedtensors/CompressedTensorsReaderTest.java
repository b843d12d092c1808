package dev.requant.plugins.compressedtensors;

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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What the compressed-tensors reader recognises and refuses, and the encoding's parameters and parts. */
class CompressedTensorsReaderTest {
    private static final CompressedTensorsReader READER = new CompressedTensorsReader();
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
    @ValueSource(strings = {"fixtures/gptq_v1_4bit_g128_sym", "fixtures/awq_gemm_g32", "fixtures/bnb_int8",
            "fixtures/bnb_nf4_dq_bs64", "fixtures/mlx_8bit_g32", "fixtures/plain_f32", "fixtures/inc_native_4bit_g32_sym_dim0",
            "fixtures/itrex_blob_int4_refuse", "data/gguf/stories260K.gguf", "fixtures/README.md", "no/such/path"})
    void otherCheckpointsAndFilesAreNotCompressedTensors(String relative) {
        assertThat(READER.detect(Checkpoints.FIXTURES.getParent().resolve(relative), Checkpoints.CONTEXT))
                .isEqualTo(Detection.NONE);
    }

    @Test
    void denseOrUncompressedModelsAreLeftToTheSafetensorsReader() throws IOException {
        Path dense = copy("ct_w4_g32_sym_bf16", t -> t, c -> c.replace("\"format\": \"pack-quantized\"",
                "\"format\": \"dense\""));
        assertThat(READER.detect(dense, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
        assertThatThrownBy(() -> READER.open(dense, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("not compressed").hasMessageContaining("safetensors reader");
        Path frozen = copy("ct_w4_g32_sym_bf16", t -> t, c -> c.replace("\"compressed\"", "\"frozen\""));
        assertThat(READER.detect(frozen, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
    }

    @Test
    void formatsThatAreNotReadAreNamed() throws IOException {
        Path fp8 = copy("ct_w4_g32_sym_bf16", t -> t, c -> c.replace("pack-quantized", "float-quantized"));
        assertThat(READER.detect(fp8, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        assertThatThrownBy(() -> READER.open(fp8, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("names the format(s) [float-quantized]: only pack-quantized, int-quantized and"
                        + " naive-quantized integer weights are read");
        Path floats = copy("ct_w4_g32_sym_bf16", t -> t, c -> c.replace("\"type\": \"int\"", "\"type\": \"float\""));
        refusing(floats, DOWN).hasMessageContaining("quantizes weights to float: only integer weights are read");
        Path broken = copy("ct_w4_g32_sym_bf16", t -> t, c -> c + "}");
        assertThatThrownBy(() -> READER.open(broken, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("config.json is not valid JSON");
    }

    @Test
    void packedCodesThatDisagreeWithWeightShape() throws IOException {
        Path d = copy("ct_w4_g32_sym_bf16", t -> Checkpoints.replace(t, Checkpoints.cut(t, Q + "weight_packed", 64, 7)), c -> c);
        refusing(d, Q + "weight").hasMessageContaining(Q + "weight_packed is [64, 7] but 4-bit codes of a 64 x 64 weight"
                + " (weight_shape), 8 per word, need [64, 8]");
        Path shape = copy("ct_w4_g32_sym_bf16", t -> Checkpoints.replace(t,
                Checkpoints.named(t, Q + "weight_shape").withData(i64(64, 0))), c -> c);
        refusing(shape, Q + "weight").hasMessageContaining("weight_shape holds [64, 0], not the shape of a weight");
    }

    @Test
    void scalesAndZeroPointsThatDoNotFit() throws IOException {
        Path scales = copy("ct_w4_g32_sym_bf16", t -> Checkpoints.replace(t, Checkpoints.cut(t, Q + "weight_scale", 64, 3)), c -> c);
        refusing(scales, Q + "weight").hasMessageContaining("weight_scale has 3 groups per row, but 64 inputs in groups"
                + " of 32 (config group group_0) make 2");
        Path rows = copy("ct_w4_g32_sym_bf16", t -> Checkpoints.replace(t, Checkpoints.cut(t, Q + "weight_scale", 32, 2)), c -> c);
        refusing(rows, Q + "weight").hasMessageContaining("weight_scale is [32, 2] but a weight of 64 rows needs [64,"
                + " groups]");
        Path packedZp = copy("ct_w4_g32_asym_f16_sharded", t -> Checkpoints.replace(t, Checkpoints.cut(t, Q + "weight_zero_point",
                4, 2)), c -> c);
        refusing(packedZp, Q + "weight").hasMessageContaining(Q + "weight_zero_point is [4, 2] but 4-bit zero points"
                + " packed along the 64 rows, for 2 groups, need [8, 2]");
        Path legacyZp = copy("ct_w4_g32_asym_legacy_i8zp_bf16", t -> Checkpoints.replace(t,
                Checkpoints.cut(t, Q + "weight_zero_point", 64, 1)), c -> c);
        refusing(legacyZp, Q + "weight").hasMessageContaining("weight_zero_point is [64, 1] but int8 zero points beside"
                + " weight_scale need [64, 2]");
        Path missingZp = copy("ct_w4_g32_asym_legacy_i8zp_bf16", t -> Checkpoints.without(t, Q + "weight_zero_point"),
                c -> c);
        refusing(missingZp, Q + "weight").hasMessageContaining("weight_zero_point is missing, but the config says the"
                + " weights are asymmetric");
    }

    @Test
    void missingPartsAndGroupIndexesOutOfRange() throws IOException {
        refusing(copy("ct_w4_g32_sym_bf16", t -> Checkpoints.without(t, Q + "weight_scale"), c -> c), Q + "weight")
                .hasMessageContaining(Q + "weight_scale is missing");
        refusing(copy("ct_w4_g32_sym_bf16", t -> Checkpoints.without(t, Q + "weight_shape"), c -> c), Q + "weight")
                .hasMessageContaining(Q + "weight_shape is missing");
        refusing(copy("ct_w4_g32_sym_bf16", t -> Checkpoints.without(t, Q + "weight_packed"), c -> c), Q + "weight")
                .hasMessageContaining("neither " + Q + "weight_packed nor " + Q + "weight");
        int[] g = new int[64];
        g[10] = 2;
        Path gIdx = copy("ct_w4_g32_sym_bf16", t -> concat(t, new Tensor(Q + "weight_g_idx", ElementType.I32,
                new long[] {64}, i32(g))), c -> c);
        refusing(gIdx, Q + "weight").hasMessageContaining("weight_g_idx[10] is 2, outside the 2 groups of weight_scale");
    }

    @Test
    void configBitsThatTheShapesContradict() throws IOException {
        refusing(copy("ct_w8_g32_sym_f16", t -> t, c -> c.replace("\"num_bits\": 8", "\"num_bits\": 4")), DOWN)
                .hasMessageContaining("weight_packed is [64, 40] but 4-bit codes of a 64 x 160 weight");
    }

    @Test
    void encodingParametersAndParts() {
        CompressedTensorsScheme scheme = new CompressedTensorsScheme();
        assertThat(scheme.encoding(Map.of()).id())
                .isEqualTo("compressed-tensors{bits:4,format:pack-quantized,group:128,strategy:group,sym:true}");
        assertThat(scheme.encoding(Map.of("strategy", "channel", "format", "int-quantized", "bits", "8")).id())
                .isEqualTo("compressed-tensors{bits:8,format:int-quantized,strategy:channel,sym:true}");
        assertThatThrownBy(() -> scheme.encoding(Map.of("strategy", "channel", "group", "32")))
                .hasMessageContaining("only the group strategy has a group size");
        assertThatThrownBy(() -> scheme.encoding(Map.of("format", "float-quantized"))).hasMessageContaining("format");
        assertThatThrownBy(() -> scheme.encoding(Map.of("bits", "9"))).hasMessageContaining("bits: 9");
        assertThatThrownBy(() -> scheme.encoding(Map.of("actorder", "group"))).hasMessageContaining("no parameter");
        Encoding asym = scheme.encoding(Map.of("group", "32", "sym", "false"));
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(64, 160), asym))).containsExactly(
                new PartSpec("weight_packed", ElementType.I32, Shape.of(64, 20)),
                new PartSpec("weight_scale", ElementType.BF16, Shape.of(64, 5)),
                new PartSpec("weight_zero_point", ElementType.I32, Shape.of(8, 5)),
                new PartSpec("weight_shape", ElementType.I64, Shape.of(2), PartSpec.Rows.NONE));
        Encoding int8 = scheme.encoding(Map.of("format", "int-quantized", "bits", "8", "strategy", "channel",
                "sym", "false"));
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(64, 160), int8))).extracting(PartSpec::shape)
                .containsExactly(Shape.of(64, 160), Shape.of(64, 1), Shape.of(64, 1));
        assertThat(scheme.canEncode(asym)).isTrue();
        assertThat(scheme.canEncode(scheme.encoding(Map.of("strategy", "tensor")))).isFalse();
        assertThat(scheme.rowAlignment(new TensorInfo("w", Shape.of(64, 160), asym))).isEqualTo(8);
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(64, 100), asym)))
                .contains("row length 100 is not a multiple of group 32");
        assertThat(scheme.fit(new TensorInfo("w", Shape.of(60, 160), asym)))
                .contains("out_features 60 is not a multiple of 8: weight_zero_point packs 8 outputs per int32 word");
        Encoding f16 = scheme.encoding(Map.of("scales", "f16"));
        assertThat(f16.id())
                .isEqualTo("compressed-tensors{bits:4,format:pack-quantized,group:128,scales:f16,strategy:group,sym:true}");
        assertThat(scheme.layout(new TensorInfo("w", Shape.of(64, 128), f16)).get(1).dtype()).isEqualTo(ElementType.F16);
        assertThatThrownBy(() -> scheme.encoding(Map.of("scales", "f8"))).hasMessageContaining("scales: 'f8'");
    }

    private static List<Tensor> concat(List<Tensor> tensors, Tensor extra) {
        List<Tensor> all = new java.util.ArrayList<>(tensors);
        all.add(extra);
        return all;
    }

    private static byte[] i32(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    private static byte[] i64(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }
}
