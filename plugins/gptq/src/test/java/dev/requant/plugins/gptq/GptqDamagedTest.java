package dev.requant.plugins.gptq;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.plugins.testing.Checkpoints.Tensor;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged copies of a GPTQ checkpoint (AutoGPTQ act-order, 4-bit, groups of 32) are refused
 * before any tensor is handed out, naming the layer and what does not agree.
 */
class GptqDamagedTest {
    private static final Path FIXTURE = Checkpoints.fixture("gptq_v1_4bit_g32_asym_act");
    private static final String Q = "model.layers.0.self_attn.q_proj.";
    private static List<Tensor> original;

    @TempDir
    Path dir;

    @BeforeAll
    static void read() throws IOException {
        original = Checkpoints.stored(FIXTURE);
    }

    private Path copy(List<Tensor> tensors) throws IOException {
        Checkpoints.copySideFiles(FIXTURE, dir);
        Checkpoints.write(dir.resolve("gptq_model-4bit-32g.safetensors"), tensors);
        return dir;
    }

    private Path copyWithConfig(UnaryOperator<String> edit) throws IOException {
        Path d = copy(original);
        Path config = d.resolve("config.json");
        Files.writeString(config, edit.apply(Files.readString(config)));
        Files.delete(d.resolve("quantize_config.json"));
        return d;
    }

    private static AbstractThrowableAssert<?, ?> refusing(Path checkpoint, String tensor) {
        return Checkpoints.refusing(new GptqReader(), checkpoint, tensor);
    }

    private static Tensor part(String name) {
        return Checkpoints.named(original, name);
    }

    @Test
    void theCopyItselfIsFine() throws IOException {
        new GptqReader().open(copy(original), Checkpoints.CONTEXT).close();
    }

    @Test
    void qweightWithARowMissing() throws IOException {
        Tensor q = part(Q + "qweight");
        Tensor cut = q.withShape(7, 64).withData(Arrays.copyOf(q.data(), 7 * 64 * 4));
        refusing(copy(Checkpoints.replace(original, cut)), Q + "weight")
                .hasMessageContaining(Q + "qweight is [7, 64] but 4-bit codes of 64 inputs and 64 outputs need [8, 64]");
    }

    @Test
    void qzerosNarrowerThanTheOutputs() throws IOException {
        Tensor z = part(Q + "qzeros");
        Tensor cut = z.withShape(2, 4).withData(Arrays.copyOf(z.data(), 2 * 4 * 4));
        refusing(copy(Checkpoints.replace(original, cut)), Q + "weight")
                .hasMessageContaining(Q + "qzeros is [2, 4] but 4-bit zero points for the 2 groups of scales and 64"
                        + " outputs need [2, 8]");
    }

    @Test
    void scalesWithAGroupMoreThanQzeros() throws IOException {
        Tensor s = part(Q + "scales");
        Tensor longer = s.withShape(3, 64).withData(Arrays.copyOf(s.data(), 3 * 64 * 2));
        refusing(copy(Checkpoints.replace(original, longer)), Q + "weight")
                .hasMessageContaining("qzeros is [2, 8] but 4-bit zero points for the 3 groups of scales");
    }

    @Test
    void scalesWithTheWrongNumberOfGroupsForTheGroupSize() throws IOException {
        Tensor s = part(Q + "scales");
        Tensor z = part(Q + "qzeros");
        List<Tensor> tensors = Checkpoints.replace(Checkpoints.replace(original,
                s.withShape(3, 64).withData(Arrays.copyOf(s.data(), 3 * 64 * 2))),
                z.withShape(3, 8).withData(Arrays.copyOf(z.data(), 3 * 8 * 4)));
        refusing(copy(tensors), Q + "weight")
                .hasMessageContaining("scales has 3 groups, but 64 inputs in groups of 32");
    }

    @Test
    void gIdxOutOfRange() throws IOException {
        Tensor g = part(Q + "g_idx").withInt(5, 7);
        refusing(copy(Checkpoints.replace(original, g)), Q + "weight")
                .hasMessageContaining("g_idx[5] is 7, outside the 2 groups of scales and qzeros");
        Tensor negative = part(Q + "g_idx").withInt(63, -1);
        refusing(copy(Checkpoints.replace(original, negative)), Q + "weight")
                .hasMessageContaining("g_idx[63] is -1");
    }

    @Test
    void missingParts() throws IOException {
        refusing(copy(Checkpoints.without(original, Q + "qzeros")), Q + "weight")
                .hasMessageContaining(Q + "qzeros is missing");
        Files.delete(dir.resolve("gptq_model-4bit-32g.safetensors"));
        refusing(copy(Checkpoints.without(original, Q + "qweight")), Q + "weight")
                .hasMessageContaining(Q + "qweight is missing");
    }

    @Test
    void codesNotInInt32() throws IOException {
        Tensor q = part(Q + "qweight");
        Tensor f16 = new Tensor(q.name(), ElementType.F16, new long[] {16, 64}, q.data());
        refusing(copy(Checkpoints.replace(original, f16)), Q + "weight")
                .hasMessageContaining("qweight is f16 [16, 64], expected a 2-d i32 tensor");
    }

    @Test
    void configBitsThatTheShapesContradict() throws IOException {
        refusing(copyWithConfig(c -> c.replace("\"bits\": 4", "\"bits\": 8")), "model.layers.0.mlp.down_proj.weight")
                .hasMessageContaining("8-bit codes of 160 inputs");
    }

    @Test
    void unreadableConfigAndUnsupportedFormats() throws IOException {
        Path broken = copyWithConfig(c -> c.substring(0, c.length() / 2));
        assertThatThrownBy(() -> new GptqReader().open(broken, Checkpoints.CONTEXT))
                .isInstanceOf(BadInputException.class).hasMessageContaining("config.json is not valid JSON");
        Path marlin = copyWithConfig(c -> c.replace("\"checkpoint_format\": \"gptq\"", "\"checkpoint_format\": \"marlin\""));
        refusing(marlin, "model.layers.0.mlp.down_proj.weight")
                .hasMessageContaining("checkpoint_format 'marlin' (config.json quantization_config) is not read");
    }

    @Test
    void aNeuralCompressorExportIsLeftToTheIncReader() throws IOException {
        Path inc = Checkpoints.fixture("inc_optimum_4bit_g32_sym");
        assertThatThrownBy(() -> new GptqReader().open(inc, Checkpoints.CONTEXT))
                .isInstanceOf(BadInputException.class).hasMessageContaining("neural-compressor export")
                .hasMessageContaining("inc reader");
    }
}
