package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.core.plugin.PluginHost;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * The trained stories260K model (F32, Hugging Face layout) converted to bitsandbytes and MLX
 * checkpoints by {@code requant convert}: the folder is recognised by the bnb or MLX reader, every
 * quantized tensor's stored parts are byte for byte what its scheme makes of the source tensor in
 * one piece (the executor's chunks, threads and whole-tensor parts change nothing), it decodes close
 * to the source, the tensors left in floats are the source's, and config.json says what the loaders
 * need.
 */
class BnbMlxWriteTest {
    private static final Path STORIES = Cli.TESTDATA.resolve("fixtures/hf/stories260K-hf");
    private static final PluginHost plugins = ShippedHost.PLUGINS;
    private static final Session session = ShippedHost.SESSION;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"bnb_nf4{block:64,double_quant:true,dtype:f32}", "bnb_fp4{block:128}", "bnb_int8",
        "mlx{bits:4,group:32,scale:f32}", "mlx{bits:3,group:64}", "mlx{bits:8,group:64,scale:bf16}"})
    void storiesConvertsAndReadsBack(String type) throws IOException {
        Encoding encoding = (Encoding) TensorType.parse(type);
        boolean mlx = encoding.scheme().equals("mlx");
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("convert", STORIES.toString(), out.toString(), "--type", type, "--format", "safetensors",
                "--threads", "2");
        assertThat(r.code()).as(r.err()).isZero();
        QuantScheme scheme = plugins.registry().scheme(encoding.scheme()).orElseThrow();
        int quantized = 0;
        try (ModelSource written = session.open(out, null); ModelSource source = session.open(STORIES, null)) {
            assertThat(written.format()).isEqualTo(mlx ? "mlx" : "bnb");
            Map<String, SourceTensor> byName = new HashMap<>();
            written.tensors().forEach(t -> byName.put(t.name(), t));
            assertThat(byName.keySet()).containsExactlyInAnyOrderElementsOf(
                    source.tensors().stream().map(SourceTensor::name).toList());
            for (SourceTensor s : source.tensors()) {
                StoredTensor w = (StoredTensor) byName.get(s.name());
                float[] values = decode(s);
                if (w.info().type() instanceof Encoding e) {
                    quantized++;
                    assertThat(e.scheme()).isEqualTo(encoding.scheme());
                    assertThat(w.info().shape()).isEqualTo(s.info().shape());
                    assertSameParts(w, encodeWhole(scheme, w.info(), values));
                    assertThat(relativeRmse(values, decode(w))).as(s.name()).isLessThan(mlx && e.param("bits", "")
                            .equals("3") ? 0.3 : 0.2);
                } else {
                    assertThat(w.info().type()).as(s.name()).isIn(ElementType.F32, ElementType.F16);
                    float[] back = decode(w);
                    for (int i = 0; i < values.length; i++) {
                        assertThat(back[i]).as("%s %d", s.name(), i).isEqualTo(w.info().type() == ElementType.F32
                                ? values[i] : Float.float16ToFloat(Float.floatToFloat16(values[i])));
                    }
                }
            }
            assertThat(byName.get("model.embed_tokens.weight").info().type().isQuantized()).isEqualTo(mlx);
            assertThat(byName.get("lm_head.weight").info().type().isQuantized()).isTrue();
        }
        // q/k/v/o/gate/up of 5 layers and lm_head; the embeddings for MLX; down_proj (172 wide: no whole
        // groups for MLX, which falls back) for bitsandbytes, whose blocks run across rows
        assertThat(quantized).isEqualTo(31 + (mlx ? 1 : 5));
        JsonNode config = new ObjectMapper().readTree(Files.readString(out.resolve("config.json")));
        assertThat(config.get("model_type").asString()).isEqualTo("llama");
        if (mlx) {
            assertThat(config.get("quantization").get("bits").asInt()).isEqualTo(Integer.parseInt(encoding.param("bits", "")));
            assertThat(config.get("quantization").get("group_size").asInt()).isEqualTo(Integer.parseInt(encoding.param("group", "")));
            assertThat(config.get("quantization_config")).isEqualTo(config.get("quantization"));
        } else {
            JsonNode q = config.get("quantization_config");
            assertThat(q.get("quant_method").asString()).isEqualTo("bitsandbytes");
            assertThat(q.get("load_in_4bit").asBoolean()).isEqualTo(!encoding.scheme().equals("bnb_int8"));
            assertThat(q.get("llm_int8_skip_modules").toString()).isEqualTo("[\"model.embed_tokens\"]");
        }
    }

    /**
     * stories260K made f16, then NF4 with double quantization in blocks of 64: the folder holds the
     * stories260K_bnb_nf4_dq fixture's tensors byte for byte under the same names (the quant_state
     * JSON followed by the spaces that keep its planned length), so requant writes the checkpoint
     * bitsandbytes wrote.
     */
    @org.junit.jupiter.api.Test
    void storiesNf4IsTheFixtureCheckpoint() throws IOException {
        Path f16 = dir.resolve("f16");
        Path nf4 = dir.resolve("nf4");
        Cli.Result a = Cli.run("convert", STORIES.toString(), f16.toString(), "--type", "f16", "--format", "safetensors");
        assertThat(a.code()).as(a.err()).isZero();
        Cli.Result b = Cli.run("convert", f16.toString(), nf4.toString(), "--type", "bnb_nf4{block:64,double_quant:true}",
                "--format", "safetensors");
        assertThat(b.code()).as(b.err()).isZero();
        Path fixture = Cli.TESTDATA.resolve("fixtures/hf/stories260K_bnb_nf4_dq");
        int same = 0;
        try (ModelSource written = session.open(nf4.resolve("model.safetensors"), "safetensors");
             ModelSource stored = session.open(fixture.resolve("model.safetensors"), "safetensors")) {
            Map<String, SourceTensor> byName = new HashMap<>();
            written.tensors().forEach(t -> byName.put(t.name(), t));
            for (SourceTensor t : stored.tensors()) {
                if (t.name().startsWith("model.embed_tokens") || t.name().startsWith("lm_head")
                        || t.name().contains("norm")) {
                    continue; // the fixture keeps these F32, requant's f16 step made them f16
                }
                SourceTensor w = byName.get(t.name());
                assertThat(w).as(t.name()).isNotNull();
                byte[] want = ((StoredTensor) t).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE);
                byte[] got = ((StoredTensor) w).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE);
                if (t.name().contains(".quant_state.")) {
                    got = new String(got, java.nio.charset.StandardCharsets.UTF_8).stripTrailing()
                            .getBytes(java.nio.charset.StandardCharsets.UTF_8);
                }
                assertThat(got).as(t.name()).isEqualTo(want);
                same++;
            }
        }
        // 35 linear weights of 6 tensors each
        assertThat(same).isEqualTo(35 * 6);
    }

    /** The parts a scheme makes of a whole tensor in one piece: prepass, encode, whole-tensor parts. */
    private static Map<String, byte[]> encodeWhole(QuantScheme scheme, TensorInfo info, float[] values) {
        List<PartSpec> layout = scheme.layout(info);
        TensorEncoder encoder = scheme.encoder(info);
        int rows = Math.toIntExact(info.shape().rows());
        Map<String, byte[]> parts = new HashMap<>();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] out = new MemorySegment[layout.size()];
            MemorySegment[] whole = new MemorySegment[layout.size()];
            for (int p = 0; p < out.length; p++) {
                long size = layout.get(p).byteSize();
                out[p] = arena.allocate(Math.max(1, size)).asSlice(0, size);
                if (layout.get(p).rows() == PartSpec.Rows.NONE) {
                    whole[p] = arena.allocate(Math.max(1, size)).asSlice(0, size);
                }
            }
            if (encoder.needsPrepass()) {
                encoder.observe(values, 0, 0, rows);
            }
            encoder.encode(values, 0, 0, rows, out);
            encoder.finish(whole);
            for (int p = 0; p < out.length; p++) {
                parts.put(layout.get(p).role(), (whole[p] != null ? whole[p] : out[p]).toArray(ValueLayout.JAVA_BYTE));
            }
        }
        return parts;
    }

    private static void assertSameParts(StoredTensor written, Map<String, byte[]> made) {
        assertThat(written.parts()).extracting(p -> p.role()).containsExactlyInAnyOrderElementsOf(made.keySet());
        for (var p : written.parts()) {
            assertThat(p.data().toArray(ValueLayout.JAVA_BYTE)).as(written.name() + " " + p.role())
                    .isEqualTo(made.get(p.role()));
        }
    }

    private static float[] decode(SourceTensor t) {
        float[] v = new float[Math.toIntExact(t.info().shape().numel())];
        session.codecs().decode(t, 0, Math.toIntExact(t.info().shape().rows()), v, 0);
        return v;
    }

    private static double relativeRmse(float[] want, float[] got) {
        double err = 0;
        double norm = 0;
        for (int i = 0; i < want.length; i++) {
            err += (got[i] - want[i]) * (double) (got[i] - want[i]);
            norm += want[i] * (double) want[i];
        }
        return Math.sqrt(err / norm);
    }
}
