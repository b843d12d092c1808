package dev.requant.plugins.awq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Layouts;
import dev.requant.plugins.support.AwqPacking;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.spi.CheckpointConfig;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** AWQ encoding: the fixtures re-encode to their stored bytes, chunks as the whole, and AutoAWQ's rule. */
class AwqEncodeTest {
    private static final AwqReader READER = new AwqReader();
    private static final AwqScheme SCHEME = new AwqScheme();

    /**
     * Both fixtures (GEMM and GEMV) come back byte for byte from their dequantized values with their
     * stored scales and zero points. With scales and zero points recomputed by AutoAWQ's rule, 9 of
     * the 14 layers come back: a group gives back its scale only when its values span codes 0 to 15.
     */
    @ParameterizedTest
    @ValueSource(strings = {"awq_gemm_g32:stored", "awq_gemv_g32:stored", "awq_gemm_g32:recomputed",
            "awq_gemv_g32:recomputed"})
    void fixturesReEncodeToTheirStoredBytes(String spec) throws IOException {
        String fixture = spec.split(":")[0];
        Path dir = Checkpoints.fixture(fixture);
        Map<String, float[]> expected = Checkpoints.expected(dir);
        int layers = 0;
        List<String> differ = new ArrayList<>();
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            for (SourceTensor t : m.tensors()) {
                if (t.info().type() instanceof Encoding && t instanceof StoredTensor s) {
                    AwqEncoder.GroupRule rule = spec.endsWith("stored") ? storedRule(s) : AwqEncoder.roundToNearest();
                    MemorySegment[] parts = encode(s.info(), rule, expected.get(s.name()));
                    for (int i = 0; i < 3; i++) {
                        TensorPart stored = s.parts().get(i);
                        if (parts[i].mismatch(stored.data()) != -1) {
                            differ.add(s.name() + " " + stored.role());
                        }
                    }
                    layers++;
                }
            }
        }
        assertThat(layers).isEqualTo(14);
        if (spec.endsWith("stored")) {
            assertThat(differ).isEmpty();
        } else {
            // groups whose largest value was stored as code 14 (AutoAWQ rounds in f16) give a smaller range
            assertThat(differ.stream().map(d -> d.substring(0, d.indexOf(' '))).distinct()).containsExactly(
                    "model.layers.0.mlp.gate_proj.weight", "model.layers.0.mlp.up_proj.weight",
                    "model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight",
                    "model.layers.1.mlp.up_proj.weight");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"gemm", "gemv"})
    void chunksEncodeAsTheWholeTensorAndDecodeToAutoAwqsValues(String version) {
        TensorInfo info = new TensorInfo("w", Shape.of(32, 96), SCHEME.encoding(Map.of("group", "32", "version", version)));
        float[] w = new float[32 * 96];
        Random r = new Random(5);
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) r.nextGaussian() * 0.1f;
        }
        MemorySegment[] whole = encode(info, AwqEncoder.roundToNearest(), w);
        List<PartSpec> layout = SCHEME.layout(info);
        int step = SCHEME.rowAlignment(info) == 8 ? 8 : 5;
        MemorySegment[] placed = allocate(layout);
        for (int first = 0; first < 32; first += step) {
            int rows = Math.min(step, 32 - first);
            MemorySegment[] parts = allocate(SCHEME.layout(new TensorInfo("w", Shape.of(rows, 96), info.type())));
            SCHEME.encoder(info).encode(w, first * 96, first, rows, parts);
            for (int i = 0; i < 3; i++) {
                PartSpec spec = layout.get(i);
                if (spec.rows() == PartSpec.Rows.LAST) {
                    long width = spec.shape().dim(1);
                    long chunkWidth = width * rows / 32;
                    long elem = spec.dtype().bits() / 8;
                    for (long row = 0; row < spec.shape().dim(0); row++) {
                        MemorySegment.copy(parts[i], row * chunkWidth * elem, placed[i],
                                (row * width + width * first / 32) * elem, chunkWidth * elem);
                    }
                } else {
                    MemorySegment.copy(parts[i], 0, placed[i], spec.byteSize() * first / 32, parts[i].byteSize());
                }
            }
        }
        for (int i = 0; i < 3; i++) {
            assertThat(placed[i].mismatch(whole[i])).as("%s %s", version, layout.get(i).role()).isEqualTo(-1);
        }
        float[] decoded = new float[w.length];
        List<TensorPart> stored = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            stored.add(new TensorPart(layout.get(i), whole[i]));
        }
        SCHEME.decode(new StoredTensor(info, stored), 0, 32, decoded, 0);
        for (int row = 0; row < 32; row++) {
            for (int g = 0; g < 3; g++) {
                int at = row * 96 + g * 32;
                AwqEncoder.Group p = AwqEncoder.roundToNearest().of(row, g, w, at, 32);
                float s16 = Float.float16ToFloat(Float.floatToFloat16(p.scale()));
                for (int i = 0; i < 32; i++) {
                    int q = (int) Math.min(Math.max(Math.rint(w[at + i] / p.scale()) + p.zero(), 0), 15);
                    assertThat(decoded[at + i]).isEqualTo((q - p.zero()) * s16);
                }
            }
        }
    }

    @Test
    void checkpointConfigIsAutoAwqs() {
        TensorInfo q = new TensorInfo("model.layers.0.mlp.up_proj.weight", Shape.of(64, 64), SCHEME.encoding(Map.of("group", "64")));
        AwqLayout layout = new AwqLayout();
        assertThat(layout.partNames(q)).containsExactly("model.layers.0.mlp.up_proj.qweight",
                "model.layers.0.mlp.up_proj.qzeros", "model.layers.0.mlp.up_proj.scales");
        CheckpointConfig c = layout.config(List.of(q, new TensorInfo("norm", Shape.of(64), dev.requant.spi.ElementType.F32)));
        assertThat(c.configEntries().get("quantization_config")).isEqualTo("{\"quant_method\": \"awq\", \"zero_point\": true,"
                + " \"group_size\": 64, \"bits\": 4, \"version\": \"gemm\", \"modules_to_not_convert\": null}");
        assertThat(c.sideFiles()).isEmpty();
        TensorInfo other = q.withName("b.weight").withType(SCHEME.encoding(Map.of("group", "32")));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> layout.config(List.of(q, other)))
                .hasMessageContaining("b.weight (awq{bits:4,group:32,version:gemm}) differ from model.layers.0.mlp.up_proj.weight");
    }

    /** The stored f16 scales and zero points of every row and group. */
    private static AwqEncoder.GroupRule storedRule(StoredTensor s) {
        int out = (int) s.info().shape().rows();
        int in = (int) s.info().shape().rowLength();
        AwqParams p = AwqParams.of(s.info());
        // decode a row of codes 0 and of the stored values: zero and scale follow from two decodes
        int groups = p.groups(in);
        float[] scales = new float[out * groups];
        int[] zeros = new int[out * groups];
        MemorySegment sc = s.part(AwqParts.SCALES).data();
        MemorySegment qz = s.part(AwqParts.QZEROS).data();
        for (int n = 0; n < out; n++) {
            for (int g = 0; g < groups; g++) {
                if (p.version() == AwqParams.Version.GEMM) {
                    scales[n * groups + g] = Float.float16ToFloat(sc.get(Layouts.I16, 2L * ((long) g * out + n)));
                    int word = qz.get(Layouts.I32, 4L * ((long) g * (out / 8) + n / 8));
                    zeros[n * groups + g] = word >>> 4 * AwqPacking.FIELD[n % 8] & 15;
                } else {
                    int zw = p.gemvZeroWords(in);
                    scales[n * groups + g] = Float.float16ToFloat(sc.get(Layouts.I16, 2L * ((long) n * 8 * zw + g)));
                    int word = qz.get(Layouts.I32, 4L * ((long) n * zw + g / 8));
                    zeros[n * groups + g] = word >>> 4 * (g % 8) & 15;
                }
            }
        }
        return (row, g, x, o, c) -> new AwqEncoder.Group(scales[(int) row * groups + g], zeros[(int) row * groups + g]);
    }

    private static MemorySegment[] encode(TensorInfo info, AwqEncoder.GroupRule rule, float[] w) {
        MemorySegment[] parts = allocate(SCHEME.layout(info));
        new AwqEncoder(AwqParams.of(info), (int) info.shape().rowLength(), rule).encode(w, 0, 0,
                (int) info.shape().rows(), parts);
        return parts;
    }

    private static MemorySegment[] allocate(List<PartSpec> layout) {
        return layout.stream().map(p -> Arena.ofAuto().allocate(p.byteSize())).toArray(MemorySegment[]::new);
    }
}
