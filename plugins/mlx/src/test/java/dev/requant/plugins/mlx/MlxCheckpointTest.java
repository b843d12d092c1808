package dev.requant.plugins.mlx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.plugins.testing.Checkpoints;
import dev.requant.plugins.testing.RawCheckpoints.Raw;
import dev.requant.plugins.testing.RawCheckpoints;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints built from the fixtures: per-module overrides across shards, and damaged copies, each
 * refused with the tensor and what does not agree.
 */
class MlxCheckpointTest {
    private static final Map<String, QuantScheme> SCHEMES = Map.of(MlxScheme.ID, new MlxScheme());
    private static final MlxReader READER = new MlxReader();
    private static final String Q_PROJ = "model.layers.0.self_attn.q_proj";
    private static final String DOWN_PROJ = "model.layers.1.mlp.down_proj";

    @TempDir
    Path dir;

    @Test
    void perModuleOverridesInConfigAcrossShards() throws IOException {
        Map<String, Raw> g64 = RawCheckpoints.read(Checkpoints.FIXTURES.resolve("mlx_4bit_g64"));
        Map<String, Raw> b8 = RawCheckpoints.read(Checkpoints.FIXTURES.resolve("mlx_8bit_g32"));
        Map<String, Raw> first = new LinkedHashMap<>();
        Map<String, Raw> second = new LinkedHashMap<>();
        for (var e : g64.entrySet()) {
            String module = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            if (!module.equals(Q_PROJ) && !module.equals(DOWN_PROJ)) {
                (e.getKey().contains("layers.1") ? second : first).put(e.getKey(), e.getValue());
            }
        }
        for (String suffix : new String[] {".weight", ".scales", ".biases"}) {
            first.put(Q_PROJ + suffix, b8.get(Q_PROJ + suffix));
            second.put(DOWN_PROJ + suffix, b8.get(DOWN_PROJ + suffix));
        }
        RawCheckpoints.write(dir.resolve("model-00001-of-00002.safetensors"), first, "mlx");
        RawCheckpoints.write(dir.resolve("model-00002-of-00002.safetensors"), second, "mlx");
        StringBuilder index = new StringBuilder("{\"metadata\": {\"total_size\": 1}, \"weight_map\": {");
        first.keySet().forEach(k -> index.append('"').append(k).append("\": \"model-00001-of-00002.safetensors\","));
        second.keySet().forEach(k -> index.append('"').append(k).append("\": \"model-00002-of-00002.safetensors\","));
        index.setLength(index.length() - 1);
        Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
        String overrides = "\"" + Q_PROJ + "\": {\"group_size\": 32, \"bits\": 8}, \"" + DOWN_PROJ
                + "\": {\"group_size\": 32, \"bits\": 8}, \"model.layers.0.mlp.down_proj\": false, ";
        writeConfig("mlx_4bit_g64", c -> c.replace("\"quantization\": {", "\"quantization\": {" + overrides)
                .replace("\"quantization_config\": {", "\"quantization_config\": {" + overrides));

        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        Map<String, float[]> g64Expected = expected("mlx_4bit_g64");
        Map<String, float[]> b8Expected = expected("mlx_8bit_g32");
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            assertThat(m.tensors()).hasSize(g64Expected.size());
            for (SourceTensor t : m.tensors()) {
                boolean eight = t.name().startsWith(Q_PROJ) || t.name().startsWith(DOWN_PROJ);
                if (eight) {
                    assertThat(t.info().type().id()).isEqualTo("mlx{bits:8,group:32,scale:f16}");
                } else if (t.name().equals("model.layers.0.mlp.down_proj.weight")) {
                    assertThat(t.info().type()).isEqualTo(ElementType.F16);
                }
                float[] want = (eight ? b8Expected : g64Expected).get(t.name());
                assertThat(RawCheckpoints.decode(t, SCHEMES)).as(t.name()).containsExactly(want);
            }
        }
    }

    @Test
    void missingScales() throws IOException {
        damaged(t -> t.remove("model.layers.0.mlp.down_proj.scales"), null);
        assertRefused("model.layers.0.mlp.down_proj.weight",
                "has biases but no scales (model.layers.0.mlp.down_proj.scales is missing): MLX's affine mode stores both");
    }

    @Test
    void biasesOfAnotherShape() throws IOException {
        damaged(t -> t.put("model.layers.0.mlp.down_proj.biases", slice(t.get("model.layers.0.mlp.down_proj.biases"),
                64, 4)), null);
        assertRefused("model.layers.0.mlp.down_proj.weight", "its scales [64, 5] and biases [64, 4] differ in shape");
    }

    @Test
    void scalesForOtherRows() throws IOException {
        damaged(t -> {
            t.put(Q_PROJ + ".scales", slice(t.get(Q_PROJ + ".scales"), 32, 2));
            t.put(Q_PROJ + ".biases", slice(t.get(Q_PROJ + ".biases"), 32, 2));
        }, null);
        assertRefused(Q_PROJ + ".weight", "[64, 6] and its scales [32, 2] do not share the leading dimensions [..., out]");
    }

    @Test
    void bitsThatDoNotMatchThePackedWidth() throws IOException {
        damaged(t -> { }, c -> c.replace("\"bits\": 3", "\"bits\": 4"));
        assertRefused(firstModule(), "has 6 uint32 words per row, but its scales and biases have 2 groups of 32"
                + " values, which at 4 bits take 8 words (config.json: bits 4, group_size 32)");
    }

    @Test
    void codesThatAreNotUint32() throws IOException {
        damaged(t -> t.put(Q_PROJ + ".weight", new Raw("F16", new long[] {64, 12}, t.get(Q_PROJ + ".weight").data())), null);
        assertRefused(Q_PROJ + ".weight", "is f16, but the " + Q_PROJ + ".scales and .biases beside it make it"
                + " MLX's packed codes, which are uint32");
    }

    @Test
    void packedCodesWithoutScalesAndBiases() throws IOException {
        damaged(t -> {
            t.remove(Q_PROJ + ".scales");
            t.remove(Q_PROJ + ".biases");
        }, null);
        assertRefused(Q_PROJ + ".weight", "holds packed uint32 codes [64, 6] but " + Q_PROJ + ".scales and " + Q_PROJ
                + ".biases are missing");
    }

    @Test
    void configThatLeavesAQuantizedModuleUnquantized() throws IOException {
        damaged(t -> { }, c -> c.replace("\"mode\": \"affine\"", "\"mode\": \"affine\", \"" + Q_PROJ + "\": false"));
        assertRefused(Q_PROJ + ".weight", "config.json leaves " + Q_PROJ
                + " unquantized (false), but its scales and biases are stored");
    }

    @Test
    void configThatQuantizesAFloatModule() throws IOException {
        RawCheckpoints.copyFixture("mlx_4bit_g64", dir);
        writeConfig("mlx_4bit_g64", c -> c.replace("\"mode\": \"affine\"",
                "\"mode\": \"affine\", \"model.layers.0.mlp.down_proj\": {\"bits\": 4, \"group_size\": 32}"));
        assertRefused("model.layers.0.mlp.down_proj.weight", "config.json quantizes model.layers.0.mlp.down_proj (bits 4,"
                + " group_size 32), but its scales and biases are missing and the weight is f16");
    }

    @Test
    void anotherMode() throws IOException {
        damaged(t -> { }, c -> c.replace("\"mode\": \"affine\"", "\"mode\": \"mxfp4\""));
        assertRefused(firstModule(), "is quantized in MLX's mxfp4 mode; requant reads the affine mode only");
    }

    @Test
    void configThatIsNotJson() throws IOException {
        damaged(t -> { }, c -> c.substring(0, 40));
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).as("the tensors still say MLX").isEqualTo(Detection.LAYOUT);
        assertThatThrownBy(() -> READER.open(dir, Checkpoints.CONTEXT)).isInstanceOfSatisfying(BadInputException.class,
                e -> {
                    assertThat(e.file()).isEqualTo(dir.resolve("config.json"));
                    assertThat(e.offset()).isPresent();
                    assertThat(e.problem()).startsWith("invalid JSON");
                });
    }

    @Test
    void truncatedGarbageAndOversizedWeightsAreNotMlxAndFailToOpen() throws IOException {
        byte[] weights = Files.readAllBytes(Checkpoints.FIXTURES.resolve("mlx_3bit_g32/model.safetensors"));
        byte[] garbage = new byte[4096];
        new SplittableRandom(1).nextBytes(garbage);
        byte[] oversized = weights.clone();
        // the header length now claims more bytes than the file has
        oversized[0] = (byte) 0xFF;
        oversized[1] = (byte) 0xFF;
        for (byte[] bytes : new byte[][] {Arrays.copyOf(weights, weights.length / 2), garbage, oversized}) {
            Path file = Files.write(dir.resolve("model.safetensors"), bytes);
            assertThat(READER.detect(file, Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
            assertThatThrownBy(() -> READER.open(file, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class);
        }
    }

    @Test
    void shapesThatAdmitTwoSettingsAreRefusedNotGuessed() throws IOException {
        // 8 words and 1 group per row: 4 bits in groups of 64 or 8 bits in groups of 32, and the
        // model has both widths elsewhere but no vector to tell its hidden size
        Map<String, Raw> t = new LinkedHashMap<>();
        t.put("a.weight", new Raw("U32", new long[] {32, 8}, new byte[32 * 8 * 4]));
        t.put("a.scales", new Raw("F16", new long[] {32, 1}, new byte[64]));
        t.put("a.biases", new Raw("F16", new long[] {32, 1}, new byte[64]));
        t.put("b.weight", new Raw("F16", new long[] {64, 48}, new byte[64 * 48 * 2]));
        Path file = RawCheckpoints.write(dir.resolve("lone.safetensors"), t, "mlx");
        assertThat(READER.detect(file, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        assertThatThrownBy(() -> READER.open(file, Checkpoints.CONTEXT)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("MLX weights without the config.json that says their bits and group size, and the"
                        + " shapes alone fit 2 settings (bits 4, group_size 64; bits 8, group_size 32): put the"
                        + " config.json that mlx-lm saved beside the weights");
    }

    @Test
    void otherSafetensorsAreNotMlx() throws IOException {
        assertThat(READER.detect(Checkpoints.FIXTURES.resolve("plain_f16"), Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
        assertThat(READER.detect(Checkpoints.FIXTURES.resolve("gptq_v1_4bit_g128_sym"), Checkpoints.CONTEXT))
                .isEqualTo(Detection.NONE);
        assertThat(READER.detect(Checkpoints.FIXTURES.resolve("inc_optimum_4bit_g32_sym"), Checkpoints.CONTEXT))
                .isEqualTo(Detection.NONE);
        assertThat(READER.detect(dir.resolve("nothing-here"), Checkpoints.CONTEXT)).isEqualTo(Detection.NONE);
    }

    /** mlx_3bit_g32 rewritten as one file, its tensors and config changed. */
    private void damaged(Consumer<Map<String, Raw>> tensors, UnaryOperator<String> config)
            throws IOException {
        Map<String, Raw> t = RawCheckpoints.read(Checkpoints.FIXTURES.resolve("mlx_3bit_g32"));
        tensors.accept(t);
        RawCheckpoints.write(dir.resolve("model.safetensors"), t, "mlx");
        writeConfig("mlx_3bit_g32", config);
    }

    /** The fixture's config.json, changed unless {@code change} is null. */
    private void writeConfig(String fixture, UnaryOperator<String> change) throws IOException {
        String config = Files.readString(Checkpoints.FIXTURES.resolve(fixture).resolve("config.json"));
        if (change != null) {
            String changed = change.apply(config);
            assertThat(changed).as("the change applies").isNotEqualTo(config);
            config = changed;
        }
        Files.writeString(dir.resolve("config.json"), config);
    }

    private void assertRefused(String tensor, String problem) {
        assertThatThrownBy(() -> READER.open(dir, Checkpoints.CONTEXT)).isInstanceOfSatisfying(BadInputException.class,
                e -> {
                    assertThat(e.tensor()).isEqualTo(tensor);
                    assertThat(e.problem()).isEqualTo(problem);
                    assertThat(e.file()).isEqualTo(dir);
                });
    }

    /** The weight of the module stored first in the damaged copy, which is checked first. */
    private String firstModule() throws IOException {
        String scales = RawCheckpoints.read(dir.resolve("model.safetensors")).keySet().stream()
                .filter(n -> n.endsWith(".scales") || n.endsWith(".biases")).findFirst().orElseThrow();
        return scales.substring(0, scales.lastIndexOf('.')) + ".weight";
    }

    private static Raw slice(Raw r, long rows, long cols) {
        int elementBytes = r.data().length / (int) Arrays.stream(r.shape()).reduce(1, (a, b) -> a * b);
        return new Raw(r.dtype(), new long[] {rows, cols}, Arrays.copyOf(r.data(), (int) (rows * cols * elementBytes)));
    }

    private static Map<String, float[]> expected(String fixture) throws IOException {
        Map<String, float[]> out = new LinkedHashMap<>();
        try (ModelSource e = Checkpoints.CONTEXT.open("safetensors", Checkpoints.FIXTURES.resolve(fixture)
                .resolve("expected.safetensors"))) {
            for (SourceTensor t : e.tensors()) {
                out.put(t.name(), RawCheckpoints.decode(t, SCHEMES));
            }
        }
        return out;
    }
}
