package dev.requant.plugins.bnb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.kernels.bnb.FourBitCode;
import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.CheckpointConfig;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The encoders as the executor drives them: layouts known before the data, chunks on the scheme's
 * row alignment encoded from several calls (the prepass first) giving the bytes of one whole
 * encoding, the parts decoding back within the format's error, and the names and config.json
 * entries of the Hugging Face layout.
 */
class EncodingTest {
    private static final String PLAIN_STATE = "{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float16\","
            + " \"shape\": [3, 96]}";

    private final QuantScheme nf4 = new BnbNf4Scheme();
    private final QuantScheme fp4 = new BnbFp4Scheme();
    private final QuantScheme int8 = new BnbInt8Scheme();

    private static TensorInfo tensor(QuantScheme s, String params, long... shape) {
        Map<String, String> p = new java.util.HashMap<>();
        for (String kv : params.isEmpty() ? new String[0] : params.split(",")) {
            p.put(kv.split(":")[0], kv.split(":")[1]);
        }
        return new TensorInfo("model.layers.0.mlp.up_proj.weight", Shape.of(shape), s.encoding(p));
    }

    @Test
    void layoutsSayHowPartsFollowRows() {
        TensorInfo plain = tensor(nf4, "block:64", 3, 96);
        assertThat(nf4.layout(plain)).containsExactly(
                new PartSpec("weight", ElementType.U8, Shape.of(144, 1)),
                new PartSpec("absmax", ElementType.F32, Shape.of(5)),
                new PartSpec("quant_map", ElementType.F32, Shape.of(16), PartSpec.Rows.NONE),
                new PartSpec("quant_state", ElementType.U8, Shape.of(PLAIN_STATE.length()), PartSpec.Rows.NONE));
        TensorInfo nested = tensor(nf4, "block:64,double_quant:true", 3, 96);
        assertThat(nf4.layout(nested)).extracting(PartSpec::role, p -> p.dtype(), p -> p.rows()).containsExactly(
                org.assertj.core.groups.Tuple.tuple("weight", ElementType.U8, PartSpec.Rows.FIRST),
                org.assertj.core.groups.Tuple.tuple("absmax", ElementType.U8, PartSpec.Rows.FIRST),
                org.assertj.core.groups.Tuple.tuple("quant_map", ElementType.F32, PartSpec.Rows.NONE),
                org.assertj.core.groups.Tuple.tuple("nested_absmax", ElementType.F32, PartSpec.Rows.FIRST),
                org.assertj.core.groups.Tuple.tuple("nested_quant_map", ElementType.F32, PartSpec.Rows.NONE),
                org.assertj.core.groups.Tuple.tuple("quant_state", ElementType.U8, PartSpec.Rows.NONE));
        // the JSON with the longest offset an f32 has, 23 characters
        assertThat(nf4.layout(nested).getLast().byteSize()).isEqualTo(PLAIN_STATE.length() + ", \"nested_blocksize\": 256,".length()
                + " \"nested_dtype\": \"float32\", \"nested_offset\": ".length() + 23);
    }

    @Test
    void rowAlignmentKeepsChunksOnWholeBlocks() {
        assertThat(nf4.rowAlignment(tensor(nf4, "block:64", 10, 96))).isEqualTo(2);
        assertThat(nf4.rowAlignment(tensor(nf4, "block:64", 10, 128))).isEqualTo(1);
        assertThat(nf4.rowAlignment(tensor(nf4, "block:64,double_quant:true", 512, 64))).isEqualTo(256);
        assertThat(nf4.rowAlignment(tensor(nf4, "block:64,double_quant:true", 512, 4096))).isEqualTo(4);
        // values that end in a partial block: one chunk
        assertThat(nf4.rowAlignment(tensor(nf4, "block:64", 3, 96))).isEqualTo(3);
        assertThat(nf4.rowAlignment(tensor(nf4, "block:64,double_quant:true", 100, 64))).isEqualTo(100);
        assertThat(int8.rowAlignment(new TensorInfo("w", Shape.of(4, 4), Encoding.of("bnb_int8")))).isEqualTo(1);
    }

    @Test
    void chunksGiveTheBytesOfTheWholeTensor() {
        SplittableRandom rnd = new SplittableRandom(3);
        for (QuantScheme s : List.of(nf4, fp4)) {
            for (String params : List.of("block:64", "block:32,double_quant:true", "block:128,double_quant:true")) {
                TensorInfo t = tensor(s, params, 1024, 96);
                float[] values = values(rnd, 1024 * 96);
                List<byte[]> whole = encodeInChunks(s, t, values, 1024);
                int align = s.rowAlignment(t);
                List<byte[]> chunked = encodeInChunks(s, t, values, align);
                for (int p = 0; p < whole.size(); p++) {
                    assertThat(chunked.get(p)).as(s.id() + " " + params + " part " + p).isEqualTo(whole.get(p));
                }
                assertDecodesClose(s, t, whole, values, 0.25f);
            }
        }
        TensorInfo t = new TensorInfo("x.weight", Shape.of(37, 50), Encoding.of("bnb_int8"));
        float[] values = values(rnd, 37 * 50);
        List<byte[]> whole = encodeInChunks(int8, t, values, 37);
        assertThat(encodeInChunks(int8, t, values, 5)).usingRecursiveComparison().isEqualTo(whole);
        assertDecodesClose(int8, t, whole, values, 0.01f);
    }

    @Test
    void theQuantStateIsBitsandbytesJsonPaddedToItsPlannedLength() {
        TensorInfo t = tensor(nf4, "block:64,double_quant:true", 4, 64);
        List<byte[]> parts = encodeInChunks(nf4, t, values(new SplittableRandom(1), 256), 4);
        String json = new String(parts.getLast(), StandardCharsets.UTF_8);
        assertThat(json).matches("\\{\"quant_type\": \"nf4\", \"blocksize\": 64, \"dtype\": \"float16\", \"shape\": \\[4, 64\\],"
                + " \"nested_blocksize\": 256, \"nested_dtype\": \"float32\", \"nested_offset\": 0\\.\\d+\\} *");
        QuantState back = QuantState.parse(parts.getLast());
        assertThat(back.nested()).isPresent();
        assertThat(PythonFloat.repr(0.06562447547912598f)).isEqualTo("0.06562447547912598");
        assertThat(PythonFloat.repr(1e-5f)).isEqualTo("9.999999747378752e-06");
        assertThat(PythonFloat.repr(2.0)).isEqualTo("2.0");
        assertThat(PythonFloat.repr(1e16)).isEqualTo("1e+16");
        assertThat(PythonFloat.repr(123.25)).isEqualTo("123.25");
        assertThat(PythonFloat.repr(-0.0001)).isEqualTo("-0.0001");
        assertThat(PythonFloat.repr(-Float.MIN_NORMAL * 1.2345679f)).hasSizeLessThanOrEqualTo(PythonFloat.MAX_F32_LENGTH);
    }

    @Test
    void partNamesAndConfigAreTransformers() {
        TensorInfo w = tensor(nf4, "block:64,double_quant:true,dtype:bf16", 4, 64);
        var layout = nf4.checkpointLayout().orElseThrow();
        String n = w.name();
        assertThat(layout.partNames(w)).containsExactly(n, n + ".absmax", n + ".quant_map", n + ".nested_absmax",
                n + ".nested_quant_map", n + ".quant_state.bitsandbytes__nf4");
        assertThat(fp4.checkpointLayout().orElseThrow().partNames(tensor(fp4, "", 4, 64))).containsExactly(n,
                n + ".absmax", n + ".quant_map", n + ".quant_state.bitsandbytes__fp4");
        assertThat(int8.checkpointLayout().orElseThrow().partNames(new TensorInfo("a.q_proj.weight", Shape.of(2, 2),
                Encoding.of("bnb_int8")))).containsExactly("a.q_proj.weight", "a.q_proj.SCB", "a.q_proj.weight_format");
        TensorInfo head = new TensorInfo("lm_head.weight", Shape.of(96, 64), ElementType.F16);
        TensorInfo norm = new TensorInfo("model.norm.weight", Shape.of(64), ElementType.F16);
        CheckpointConfig c = layout.config(List.of(w, head, norm));
        assertThat(c.sideFiles()).isEmpty();
        assertThat(c.configEntries()).containsOnlyKeys("quantization_config");
        @SuppressWarnings("unchecked")
        Map<String, Object> q = (Map<String, Object>) JsonValues.parseObject(c.configEntries().get("quantization_config").getBytes(StandardCharsets.UTF_8));
        assertThat(q).containsEntry("quant_method", "bitsandbytes").containsEntry("load_in_4bit", true)
                .containsEntry("_load_in_4bit", true).containsEntry("load_in_8bit", false)
                .containsEntry("bnb_4bit_quant_type", "nf4").containsEntry("bnb_4bit_use_double_quant", true)
                .containsEntry("bnb_4bit_compute_dtype", "bfloat16").containsEntry("bnb_4bit_quant_storage", "uint8")
                .containsEntry("llm_int8_skip_modules", List.of("lm_head")).containsEntry("llm_int8_threshold", 6.0);
        assertThat(List.copyOf(q.keySet())).isSorted();
        TensorInfo single = tensor(nf4, "block:64", 4, 64).withName("model.layers.1.mlp.up_proj.weight");
        assertThatThrownBy(() -> layout.config(List.of(w, single))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bnb_4bit_use_double_quant");
        @SuppressWarnings("unchecked")
        Map<String, Object> eight = (Map<String, Object>) JsonValues.parseObject(int8.checkpointLayout().orElseThrow().config(List.of(new TensorInfo(
                "a.weight", Shape.of(2, 2), Encoding.of("bnb_int8")))).configEntries().get("quantization_config")
                .getBytes(StandardCharsets.UTF_8));
        assertThat(eight).containsEntry("load_in_8bit", true).containsEntry("load_in_4bit", false)
                .containsEntry("llm_int8_skip_modules", List.of());
    }

    @Test
    void theNestedMapIsBitsandbytesDynamicMap() {
        float[] map = DynamicMap.values();
        assertThat(map).hasSize(256).isSorted();
        assertThat(map[127]).isZero();
        assertThat(map[255]).isEqualTo(1f);
        assertThat(map[0]).isEqualTo(-0.99296874f);
        assertThat(FourBitCode.NF4.levels()).hasSize(16);
    }

    private static float[] values(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * (i % 97 == 0 ? 0.05 : 0.02));
        }
        return v;
    }

    /** The parts of the whole tensor, encoded in chunks of {@code rows} rows after a prepass in the same chunks. */
    private static List<byte[]> encodeInChunks(QuantScheme s, TensorInfo t, float[] values, int rows) {
        List<PartSpec> whole = s.layout(t);
        int total = Math.toIntExact(t.shape().rows());
        int in = Math.toIntExact(t.shape().rowLength());
        TensorEncoder e = s.encoder(t);
        if (e.needsPrepass()) {
            for (int first = total - rows; first > -rows; first -= rows) {
                int start = Math.max(first, 0);
                e.observe(values, start * in, start, Math.min(rows, total - start));
            }
        }
        List<byte[]> out = new ArrayList<>();
        for (PartSpec p : whole) {
            out.add(new byte[Math.toIntExact(p.byteSize())]);
        }
        try (Arena arena = Arena.ofConfined()) {
            for (int first = 0; first < total; first += rows) {
                int count = Math.min(rows, total - first);
                List<PartSpec> chunk = s.layout(new TensorInfo(t.name(), Shape.of(count, in), t.type()));
                MemorySegment[] made = new MemorySegment[chunk.size()];
                for (int p = 0; p < made.length; p++) {
                    made[p] = arena.allocate(Math.max(1, chunk.get(p).byteSize())).asSlice(0, chunk.get(p).byteSize());
                }
                e.encode(values, first * in, first, count, made);
                for (int p = 0; p < made.length; p++) {
                    PartSpec w = whole.get(p);
                    if (w.rows() == PartSpec.Rows.FIRST) {
                        long at = (long) first * w.byteSize() / total;
                        MemorySegment.copy(made[p], ValueLayout.JAVA_BYTE, 0, out.get(p), (int) at,
                                Math.toIntExact(made[p].byteSize()));
                    }
                }
            }
            MemorySegment[] finished = new MemorySegment[whole.size()];
            for (int p = 0; p < finished.length; p++) {
                if (whole.get(p).rows() == PartSpec.Rows.NONE) {
                    finished[p] = arena.allocate(Math.max(1, whole.get(p).byteSize())).asSlice(0, whole.get(p).byteSize());
                }
            }
            e.finish(finished);
            for (int p = 0; p < finished.length; p++) {
                if (finished[p] != null) {
                    out.set(p, finished[p].toArray(ValueLayout.JAVA_BYTE));
                }
            }
        }
        return out;
    }

    private static void assertDecodesClose(QuantScheme s, TensorInfo t, List<byte[]> parts, float[] values, float tolerance) {
        List<PartSpec> layout = s.layout(t);
        List<TensorPart> stored = new ArrayList<>();
        for (int p = 0; p < layout.size(); p++) {
            stored.add(new TensorPart(layout.get(p), MemorySegment.ofArray(parts.get(p))));
        }
        float[] back = new float[values.length];
        s.decode(new StoredTensor(t, stored), 0, Math.toIntExact(t.shape().rows()), back, 0);
        double err = 0;
        double norm = 0;
        for (int i = 0; i < values.length; i++) {
            err += (back[i] - values[i]) * (double) (back[i] - values[i]);
            norm += values[i] * (double) values[i];
        }
        assertThat(Math.sqrt(err / norm)).as(s.id() + " relative rmse").isLessThan(tolerance);
    }
}
