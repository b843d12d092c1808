package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.core.plugin.PluginHost;
import dev.requant.kernels.Kernels;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GPTQ, AWQ and compressed-tensors written by the CLI into Hugging Face folders that our own
 * readers recognise, holding exactly what the schemes encode; and a GPTQ checkpoint repacked into
 * Q4_0 blocks that decode to the same values.
 */
class GptqAwqCompressedTensorsWriteTest {
    private static final Path STORIES = Cli.TESTDATA.resolve("fixtures/hf/stories260K-hf");
    private static final Path FIXTURES = Cli.TESTDATA.resolve("fixtures");
    /** The verify table's RMSE, REL_RMSE and MAX_ABS columns, all zero however they are spelled. */
    private static final String NO_ERROR = "( +0(\\.0+)?){3} ";
    private static final PluginHost plugins = ShippedHost.PLUGINS;
    private static final Session session = ShippedHost.SESSION;

    @TempDir
    Path dir;

    /**
     * stories260K (F32) converted with {@code --type TYPE}: the folder is read back as FORMAT, its
     * config names the method, and every quantized tensor decodes to exactly what the scheme's
     * encoder and decoder give for the source values; the shapes the type does not fit (rows or
     * columns of 172) fall back and say so.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "gptq{bits:4,group:32,sym:false,pad:true}|gptq|gptq|quantize_config.json",
        "gptq{bits:8,group:-1,sym:true,format:v2}|gptq|gptq|quantize_config.json",
        "gptq{bits:3,group:32,sym:false,pad:true}|gptq|gptq|quantize_config.json",
        "awq{group:32}|awq|awq|",
        "awq{group:32,version:gemv}|awq|awq|",
        "compressed-tensors{bits:4,group:32,sym:false}|compressed-tensors|compressed-tensors|",
        "compressed-tensors{bits:8,group:32,sym:true}|compressed-tensors|compressed-tensors|"})
    void storiesBecomesACheckpointOurReadersReadBack(String type, String format, String method, String sideFile)
            throws IOException {
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("convert", STORIES.toString(), out.toString(), "--type", type, "--format", "safetensors");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("model.safetensors")).isRegularFile();
        String config = Files.readString(out.resolve("config.json"), StandardCharsets.UTF_8);
        assertThat(config).contains("\"quantization_config\"").containsPattern("\"quant_method\" *: *\"" + method + "\"");
        if (sideFile != null) {
            assertThat(Files.readString(out.resolve(sideFile))).containsPattern("\"quant_method\" *: *\"" + method + "\"");
        }
        Encoding wanted = (Encoding) TensorType.parse(type);
        QuantScheme scheme = plugins.registry().scheme(wanted.scheme()).orElseThrow();
        int quantized = 0;
        try (ModelSource source = session.open(STORIES, null); ModelSource written = session.open(out, null)) {
            assertThat(written.format()).isEqualTo(format);
            assertThat(written.tensors()).extracting(SourceTensor::name)
                    .containsExactlyInAnyOrderElementsOf(source.tensors().stream().map(SourceTensor::name).toList());
            for (SourceTensor t : written.tensors()) {
                StoredTensor src = (StoredTensor) source.tensors().stream().filter(x -> x.name().equals(t.name()))
                        .findFirst().orElseThrow();
                if (t.name().equals("model.embed_tokens.weight")) {
                    assertThat(t.info().type()).as("transformers' loaders quantize Linear layers only")
                            .isEqualTo(src.info().type());
                    continue;
                }
                if (!(t.info().type() instanceof Encoding e)) {
                    assertThat(t.info().shape().rank() == 1 || r.out().contains(t.name())).as(t.name() + " fell back")
                            .isTrue();
                    continue;
                }
                assertThat(e.scheme()).isEqualTo(wanted.scheme());
                float[] values = f32(src);
                float[] expected = encodeDecode(scheme, src.info().withType(e), values);
                int n = values.length;
                float[] actual = new float[n];
                scheme.decode((StoredTensor) t, 0, Math.toIntExact(t.info().shape().rows()), actual, 0);
                for (int i = 0; i < n; i++) {
                    assertThat(Float.floatToRawIntBits(actual[i])).as("%s %s value %d", type, t.name(), i)
                            .isEqualTo(Float.floatToRawIntBits(expected[i]));
                }
                quantized++;
            }
        }
        assertThat(quantized).as(r.out()).isGreaterThanOrEqualTo(15);
    }

    /**
     * A symmetric 4-bit GPTQ checkpoint (groups of 128, no act-order) becomes Q4_0 by repacking:
     * the verify table calls the weights repacks with no error, and each Q4_0 tensor decodes (ggml's Q4_0)
     * to exactly the values the GPTQ checkpoint decodes to.
     */
    @Test
    void symmetricGptqRepacksIntoQ4_0Exactly() throws IOException {
        Path in = FIXTURES.resolve("gptq_v1_4bit_g128_sym");
        Path out = dir.resolve("model-Q4_0.gguf");
        Cli.Result r = Cli.run("convert", in.toString(), out.toString(), "--type", "q4_0", "--verify");
        assertThat(r.code()).as(r.err()).isZero();
        for (String layer : List.of("0.mlp.down_proj", "0.self_attn.q_proj", "1.mlp.up_proj")) {
            assertThat(r.out()).containsPattern("model.layers." + layer + ".weight +gptq\\S* -> q4_0 repack" + NO_ERROR);
        }
        QuantScheme gptq = plugins.registry().scheme("gptq").orElseThrow();
        int repacked = 0;
        try (ModelSource source = session.open(in, null); ModelSource gguf = session.open(out, null)) {
            for (SourceTensor t : gguf.tensors()) {
                SourceTensor s = source.tensors().stream().filter(x -> x.name().equals(t.name())).findFirst().orElseThrow();
                if (!(s.info().type() instanceof Encoding)) {
                    continue;
                }
                assertThat(t.info().type()).as(t.name()).isEqualTo(Encoding.of("q4_0"));
                int n = Math.toIntExact(t.info().shape().numel());
                float[] fromGguf = new float[n];
                Kernels.ggml(GgmlType.Q4_0).orElseThrow().dequantize(((StoredTensor) t).part(PartSpec.DATA).data(), 0,
                        fromGguf, 0, n);
                float[] fromGptq = new float[n];
                gptq.decode((StoredTensor) s, 0, Math.toIntExact(s.info().shape().rows()), fromGptq, 0);
                for (int i = 0; i < n; i++) {
                    assertThat(Float.floatToRawIntBits(fromGguf[i])).as("%s value %d", t.name(), i)
                            .isEqualTo(Float.floatToRawIntBits(fromGptq[i]));
                }
                repacked++;
            }
        }
        assertThat(repacked).isEqualTo(14);
    }

    /**
     * GPTQ, AWQ and compressed-tensors fixtures repacked into each other's folders of the same bits
     * and groups: the verify table calls the layers with whole
     * groups repacks with no error, the folder is read back by its own reader, and every repacked
     * tensor decodes to exactly the source's values; layers whose rows are not whole groups
     * (down_proj of 160 in groups of 64, 136 in groups of 32) are converted instead.
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "gptq_v2_4bit_g64_asym|awq{group:64}|awq|12",
        "gptq_v2_4bit_g64_asym|awq{group:64,version:gemv}|awq|12",
        "gptq_v2_4bit_g64_asym|compressed-tensors{bits:4,group:64,sym:false,scales:f16}|compressed-tensors|12",
        "gptq_v1_8bit_g64_asym|compressed-tensors{bits:8,group:64,sym:false,scales:f32}|compressed-tensors|12",
        "gptq_v2_4bit_g32_sym_partial|compressed-tensors{bits:4,group:32,sym:true,scales:f16}|compressed-tensors|12",
        "gptq_v2_2bit_g32_asym|compressed-tensors{bits:2,group:32,sym:false,scales:f16}|compressed-tensors|14",
        "awq_gemm_g32|gptq{bits:4,group:32,sym:false,format:v2}|gptq|14",
        "awq_gemm_g32|gptq{bits:4,group:32,sym:false,format:v1}|gptq|14",
        "awq_gemv_g32|gptq{bits:4,group:32,sym:false,format:v1}|gptq|14",
        "ct_w4_g32_sym_bf16|gptq{bits:4,group:32,sym:true}|gptq|14",
        "ct_w8_g32_asym_bf16|gptq{bits:8,group:32,sym:false,format:v2}|gptq|14",
        "ct_w4_g32_asym_f16_sharded|gptq{bits:4,group:32,sym:false}|gptq|14",
        "ct_w4_g32_asym_legacy_i8zp_bf16|gptq{bits:4,group:32,sym:false,format:v2}|gptq|14",
        "awq_gemm_g32|compressed-tensors{bits:4,group:32,sym:false,scales:f16}|compressed-tensors|14",
        "awq_gemv_g32|compressed-tensors{bits:4,group:32,sym:false,scales:f32}|compressed-tensors|14",
        "ct_w4_g32_asym_f16_sharded|awq{group:32}|awq|14",
        "ct_w4_g32_sym_bf16|awq{group:32,version:gemv}|awq|14"})
    void repacksBetweenGptqAwqAndCompressedTensorsAreExact(String fixture, String type, String format, int repacks)
            throws IOException {
        Path in = FIXTURES.resolve(fixture);
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("convert", in.toString(), out.toString(), "--type", type, "--format", "safetensors",
                "--verify");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.matches(".* -> \\S+ repack" + NO_ERROR + ".*")).count())
                .as(r.out()).isEqualTo(repacks);
        Encoding wanted = (Encoding) TensorType.parse(type);
        QuantScheme target = plugins.registry().scheme(wanted.scheme()).orElseThrow();
        int compared = 0;
        try (ModelSource source = session.open(in, null); ModelSource written = session.open(out, null)) {
            assertThat(written.format()).isEqualTo(format);
            for (SourceTensor t : written.tensors()) {
                SourceTensor s = source.tensors().stream().filter(x -> x.name().equals(t.name())).findFirst().orElseThrow();
                // embeddings and lm_head are f16 in the fixtures: encoded, not repacked
                if (!(t.info().type() instanceof Encoding) || !(s.info().type() instanceof Encoding)) {
                    continue;
                }
                int n = Math.toIntExact(t.info().shape().numel());
                int rows = Math.toIntExact(t.info().shape().rows());
                QuantScheme from = plugins.registry().scheme(((Encoding) s.info().type()).scheme()).orElseThrow();
                float[] fromSource = new float[n];
                from.decode((StoredTensor) s, 0, rows, fromSource, 0);
                float[] fromTarget = new float[n];
                target.decode((StoredTensor) t, 0, rows, fromTarget, 0);
                for (int i = 0; i < n; i++) {
                    assertThat(Float.floatToRawIntBits(fromTarget[i])).as("%s %s value %d", type, t.name(), i)
                            .isEqualTo(Float.floatToRawIntBits(fromSource[i]));
                }
                compared++;
            }
        }
        assertThat(compared).isEqualTo(repacks);
    }

    /** The scheme's encoder on the whole tensor, then its decoder: what a written tensor must decode to. */
    private static float[] encodeDecode(QuantScheme scheme, TensorInfo info, float[] values) {
        List<PartSpec> layout = scheme.layout(info);
        MemorySegment[] parts = layout.stream().map(p -> Arena.ofAuto().allocate(Math.max(1, p.byteSize()))
                .asSlice(0, p.byteSize())).toArray(MemorySegment[]::new);
        int rows = Math.toIntExact(info.shape().rows());
        TensorEncoder encoder = scheme.encoder(info);
        if (encoder.needsPrepass()) {
            encoder.observe(values, 0, 0, rows);
        }
        encoder.encode(values, 0, 0, rows, parts);
        encoder.finish(parts);
        List<TensorPart> stored = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            stored.add(new TensorPart(layout.get(i), parts[i]));
        }
        float[] decoded = new float[values.length];
        scheme.decode(new StoredTensor(info, stored), 0, rows, decoded, 0);
        return decoded;
    }

    private static float[] f32(StoredTensor t) {
        int n = Math.toIntExact(t.info().shape().numel());
        float[] v = new float[n];
        Kernels.elements().readF32(t.part(PartSpec.DATA).data(), 0, v, 0, n);
        return v;
    }
}
