package dev.requant.plugins.compressedtensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.plugins.support.FloatParts;
import dev.requant.plugins.support.JsonValues;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** compressed-tensors encoding: fixtures re-encode to their stored bytes, chunks as the whole, the min-max rule. */
class CompressedTensorsEncodeTest {
    private static final CompressedTensorsReader READER = new CompressedTensorsReader();
    private static final CompressedTensorsScheme SCHEME = new CompressedTensorsScheme();

    /**
     * Every compressed-tensors fixture's dequantized values, encoded with its stored scales and zero points, give
     * back its stored parts byte for byte (codes, packing of codes and zero points, the unpacked int8
     * zero points of the legacy fixture are compared as the layout stores them: packed).
     */
    @ParameterizedTest
    @ValueSource(strings = {"ct_w4_g32_sym_bf16", "ct_w8_g32_sym_f16", "ct_w8_g32_asym_bf16", "ct_w4_g32_asym_f16_sharded"})
    void fixturesReEncodeToTheirStoredBytesWithTheirScalesAndZeroPoints(String fixture) throws IOException {
        Path dir = Checkpoints.fixture(fixture);
        Map<String, float[]> expected = Checkpoints.expected(dir);
        int layers = 0;
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            for (SourceTensor t : m.tensors()) {
                if (t.info().type() instanceof Encoding && t instanceof StoredTensor s) {
                    MemorySegment[] parts = encode(s.info(), storedRule(s), expected.get(s.name()));
                    List<PartSpec> layout = SCHEME.layout(s.info());
                    for (int i = 0; i < layout.size(); i++) {
                        TensorPart stored = s.part(layout.get(i).role());
                        assertThat(parts[i].mismatch(stored.data())).as("%s %s %s", fixture, s.name(), stored.role())
                                .isEqualTo(-1);
                    }
                    layers++;
                }
            }
        }
        assertThat(layers).isEqualTo(14);
    }

    /**
     * Scales and zero points recomputed with compressed-tensors' min-max rule from the dequantized
     * values give none of the fixtures back: the dequantized range of a group ends at
     * {@code -2^(bits-1) s} (or spans fewer codes than the grid), so min-max finds a different scale.
     */
    @Test
    void recomputedParametersDoNotGiveBackTheFixtures() throws IOException {
        Map<String, Set<String>> differ = new TreeMap<>();
        for (String fixture : List.of("ct_w4_g32_sym_bf16", "ct_w8_g32_sym_f16", "ct_w8_g32_asym_bf16",
                "ct_w4_g32_asym_f16_sharded")) {
            Path dir = Checkpoints.fixture(fixture);
            Map<String, float[]> expected = Checkpoints.expected(dir);
            Set<String> roles = new java.util.TreeSet<>();
            try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
                for (SourceTensor t : m.tensors()) {
                    if (t.info().type() instanceof Encoding && t instanceof StoredTensor s) {
                        MemorySegment[] parts = encode(s.info(),
                                CompressedTensorsEncoder.minMax(CompressedTensorsParams.of(s.info())),
                                expected.get(s.name()));
                        List<PartSpec> layout = SCHEME.layout(s.info());
                        for (int i = 0; i < layout.size(); i++) {
                            if (parts[i].mismatch(s.part(layout.get(i).role()).data()) != -1) {
                                roles.add(layout.get(i).role());
                            }
                        }
                    }
                }
            }
            differ.put(fixture, roles);
        }
        assertThat(differ).containsExactlyInAnyOrderEntriesOf(Map.of(
                "ct_w4_g32_sym_bf16", Set.of("weight_packed", "weight_scale"),
                "ct_w8_g32_sym_f16", Set.of("weight_packed", "weight_scale"),
                "ct_w8_g32_asym_bf16", Set.of("weight_packed", "weight_scale", "weight_zero_point"),
                "ct_w4_g32_asym_f16_sharded", Set.of("weight_packed", "weight_scale", "weight_zero_point")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bits:4,group:32,sym:false", "bits:4,group:32,sym:true", "bits:8,strategy:channel,sym:false",
            "bits:8,format:int-quantized,group:32,sym:false"})
    void chunksEncodeAsTheWholeTensorAndDecodeToTheRulesValues(String params) {
        Map<String, String> map = new TreeMap<>();
        for (String kv : params.split(",")) {
            map.put(kv.split(":")[0], kv.split(":")[1]);
        }
        TensorInfo info = new TensorInfo("w", Shape.of(32, 96), SCHEME.encoding(map));
        Random r = new Random(9);
        float[] w = new float[32 * 96];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.1f + (i % 96 < 32 ? 0.2f : 0f);
        }
        MemorySegment[] whole = encode(info, CompressedTensorsEncoder.minMax(CompressedTensorsParams.of(info)), w);
        List<PartSpec> layout = SCHEME.layout(info);
        int step = SCHEME.rowAlignment(info) == 1 ? 3 : SCHEME.rowAlignment(info);
        MemorySegment[] placed = layout.stream().map(p -> Arena.ofAuto().allocate(p.byteSize())).toArray(MemorySegment[]::new);
        for (int first = 0; first < 32; first += step) {
            int rows = Math.min(step, 32 - first);
            List<PartSpec> chunkLayout = SCHEME.layout(new TensorInfo("w", Shape.of(rows, 96), info.type()));
            MemorySegment[] parts = chunkLayout.stream().map(p -> Arena.ofAuto().allocate(p.byteSize()))
                    .toArray(MemorySegment[]::new);
            SCHEME.encoder(info).encode(w, first * 96, first, rows, parts);
            for (int i = 0; i < layout.size(); i++) {
                if (layout.get(i).rows() == PartSpec.Rows.FIRST) {
                    MemorySegment.copy(parts[i], 0, placed[i], layout.get(i).byteSize() * first / 32, parts[i].byteSize());
                }
            }
        }
        SCHEME.encoder(info).finish(placed);
        for (int i = 0; i < layout.size(); i++) {
            assertThat(placed[i].mismatch(whole[i])).as("%s %s", params, layout.get(i).role()).isEqualTo(-1);
        }
        List<TensorPart> stored = new ArrayList<>();
        for (int i = 0; i < layout.size(); i++) {
            stored.add(new TensorPart(layout.get(i), whole[i]));
        }
        float[] decoded = new float[w.length];
        SCHEME.decode(new StoredTensor(info, stored), 0, 32, decoded, 0);
        CompressedTensorsParams p = CompressedTensorsParams.of(info);
        int gs = p.strategy() == CompressedTensorsParams.Strategy.GROUP ? p.group() : 96;
        int qmax = (1 << (p.bits() - 1)) - 1;
        for (int row = 0; row < 32; row++) {
            for (int g = 0; g < 96 / gs; g++) {
                CompressedTensorsEncoder.Group chosen = CompressedTensorsEncoder.minMax(p).of(row, g, w, row * 96 + g * gs, gs);
                for (int i = 0; i < gs; i++) {
                    float v = w[row * 96 + g * gs + i] / chosen.scale() + chosen.zero();
                    int q = (int) Math.rint(Math.min(Math.max(v, -qmax - 1), qmax));
                    assertThat(decoded[row * 96 + g * gs + i]).isEqualTo((float) (q - chosen.zero()) * chosen.scale());
                }
            }
        }
    }

    @Test
    void checkpointConfigNamesEveryQuantizedModule() {
        Encoding e = SCHEME.encoding(Map.of("group", "32", "sym", "false"));
        TensorInfo a = new TensorInfo("model.layers.0.mlp.up_proj.weight", Shape.of(64, 64), e);
        TensorInfo b = new TensorInfo("lm_head.weight", Shape.of(96, 64), e);
        CompressedTensorsLayout layout = new CompressedTensorsLayout();
        assertThat(layout.partNames(a)).containsExactly("model.layers.0.mlp.up_proj.weight_packed",
                "model.layers.0.mlp.up_proj.weight_scale", "model.layers.0.mlp.up_proj.weight_zero_point",
                "model.layers.0.mlp.up_proj.weight_shape");
        CheckpointConfig c = layout.config(List.of(a, new TensorInfo("model.norm.weight", Shape.of(64), ElementType.F32), b));
        String json = c.configEntries().get("quantization_config");
        Map<String, Object> parsed = JsonValues.parseObject(json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(parsed).containsEntry("quant_method", "compressed-tensors").containsEntry("format", "pack-quantized");
        Map<String, Object> group = JsonValues.object(JsonValues.object(parsed, "config_groups").orElseThrow(), "group_0").orElseThrow();
        assertThat(((List<?>) group.get("targets")).stream().map(String::valueOf).toList()).containsExactly("model.layers.0.mlp.up_proj", "lm_head");
        Map<String, Object> weights = JsonValues.object(group, "weights").orElseThrow();
        assertThat(weights).containsEntry("symmetric", false).containsEntry("strategy", "group").containsEntry("type", "int");
        assertThat(((Number) weights.get("group_size")).intValue()).isEqualTo(32);
        assertThat(((Number) weights.get("num_bits")).intValue()).isEqualTo(4);
    }

    /** The stored scales (as f32) and signed zero points, read as the decoder reads them. */
    private static CompressedTensorsEncoder.GroupRule storedRule(StoredTensor s) {
        int out = (int) s.info().shape().rows();
        int in = (int) s.info().shape().rowLength();
        CompressedTensorsParams p = CompressedTensorsParams.of(s.info());
        int groups = p.groups(in);
        float[] scales = new float[out * groups];
        FloatParts.read(s.part(CompressedTensorsParts.SCALE), 0, scales, 0, scales.length);
        int[] zeros = new int[out * groups];
        for (int n = 0; n < out; n++) {
            CompressedTensorsZeroPoints.signed(s, p, n, zeros, n * groups);
        }
        return (row, g, x, o, c) -> new CompressedTensorsEncoder.Group(scales[(int) row * groups + g],
                zeros[(int) row * groups + g]);
    }

    private static MemorySegment[] encode(TensorInfo info, CompressedTensorsEncoder.GroupRule rule, float[] w) {
        List<PartSpec> layout = SCHEME.layout(info);
        MemorySegment[] parts = layout.stream().map(p -> Arena.ofAuto().allocate(p.byteSize())).toArray(MemorySegment[]::new);
        CompressedTensorsEncoder encoder = new CompressedTensorsEncoder(CompressedTensorsParams.of(info), info.shape().rows(),
                (int) info.shape().rowLength(), rule);
        encoder.encode(w, 0, 0, (int) info.shape().rows(), parts);
        encoder.finish(parts);
        return parts;
    }
}
