package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.core.plugin.PluginHost;
import dev.requant.kernels.Kernels;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llama.cpp presets and size targets end to end with the shipped plugins: the types each
 * tensor gets, the bytes (those of the kernels' quantizers applied to the source values) and the
 * error of the values our own reader decodes from the output.
 */
class KQuantConversionTest {
    private static final Path STORIES = Cli.TESTDATA.resolve("data/gguf/stories260K.gguf");
    /** Largest relative RMS error of decoded values against the source, per type, with room to spare. */
    private static final Map<String, Double> MAX_REL_RMSE = Map.of("q2_k", 0.45, "q3_k", 0.2, "q4_k", 0.1,
            "q5_k", 0.05, "q6_k", 0.025, "q5_0", 0.05, "q8_0", 0.01, "f16", 0.001);

    private static final PluginHost plugins = ShippedHost.PLUGINS;
    private static final Session session = ShippedHost.SESSION;

    @TempDir
    Path dir;

    /**
     * llama.cpp's Q4_K_M for stories260K (5 layers, rows of 64 and ffn_down rows of 172): q4_k
     * everywhere but output.weight (q6_k) and, in the "more bits" layers 2 and 4 (the last eighth
     * of 5 layers starts at 35/8 = 4, every third from 0/8 = 0 is 2), attn_v and ffn_down (q6_k).
     * No row is a whole 256-value block, so each takes llama.cpp's fallback: q4_k -> q5_0,
     * q6_k -> q8_0, and f16 for rows of 172 that no 32-value block fits either.
     */
    private static String q4KMOfStories(String name) {
        if (name.endsWith("norm.weight")) {
            return "f32";
        }
        if (name.endsWith("ffn_down.weight")) {
            return "f16";
        }
        boolean moreBits = name.startsWith("blk.2.") || name.startsWith("blk.4.");
        return name.equals("output.weight") || moreBits && name.endsWith("attn_v.weight") ? "q8_0" : "q5_0";
    }

    @Test
    void storiesWithTheQ4_K_MPresetGetsLlamaCppsTypes() throws IOException {
        Path out = dir.resolve("stories-Q4_K_M.gguf");
        Cli.Result r = Cli.run("convert", STORIES.toString(), out.toString(), "--preset", "q4_k_m");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("wrote " + out + " (gguf, Q4_K_M)")
                .contains("37 of 48 tensors fell back");
        try (ModelSource in = session.open(STORIES, null); ModelSource o = session.open(out, null)) {
            assertThat(o.tensors()).hasSameSizeAs(in.tensors());
            for (int i = 0; i < in.tensors().size(); i++) {
                StoredTensor src = (StoredTensor) in.tensors().get(i);
                StoredTensor dst = (StoredTensor) o.tensors().get(i);
                assertThat(dst.name()).isEqualTo(src.name());
                assertThat(dst.info().type().id()).as(src.name()).isEqualTo(q4KMOfStories(src.name()));
                assertStoredAndDecoded(src, dst);
            }
            assertThat(o.metadata().integer("general.file_type")).as("LLAMA_FTYPE_MOSTLY_Q4_K_M").contains(15L);
        }
        assertThat(r.out()).doesNotContain("note:");
    }

    @Test
    void aPresetForGgufNamesOnTensorsNamedOtherwiseSaysItAppliesOnlyItsDefault() throws IOException {
        Path model = dir.resolve("hf");
        Cli.Result s = Cli.run("sample", model.toString(), "--hidden", "256", "--intermediate", "512");
        assertThat(s.code()).as(s.err()).isZero();
        Cli.Result plan = Cli.run("convert", model.toString(), dir.resolve("out.gguf").toString(), "--preset", "q4_k_m",
                "--dry-run");
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("note: none of the 12 rules of Q4_K_M names a tensor of this input (the first is"
                + " rule 'output.weight' if arch == 'falcon' (").contains("the tensors are named like 'lm_head.weight'),"
                + " so every quantized tensor gets the default q4_k (");
    }

    @Test
    void aBitsPerWeightTargetMixesKQuantsWithinTheBudget() throws IOException {
        Path model = dir.resolve("model.gguf");
        Cli.Result s = Cli.run("sample", model.toString(), "--hidden", "256", "--intermediate", "768");
        assertThat(s.code()).as(s.err()).isZero();
        Path out = dir.resolve("out.gguf");
        Path recipe = Files.writeString(dir.resolve("r.yaml"), """
                input: { path: "%s" }
                quantize: { target_bpw: 4.8 }
                outputs:
                  - { path: "%s" }
                """.formatted(model, out));
        Cli.Result plan = Cli.run("plan", recipe.toString());
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("target_bpw 4.80 (" + recipe + ":2:25): q5_k, rel_rmse ")
                .contains("(q4_k: ");
        Cli.Result r = Cli.run("run", recipe.toString());
        assertThat(r.code()).as(r.err()).isZero();
        try (ModelSource in = session.open(model, null); ModelSource o = session.open(out, null)) {
            Set<String> chosen = new HashSet<>();
            long bytes = 0;
            long values = 0;
            for (int i = 0; i < in.tensors().size(); i++) {
                StoredTensor src = (StoredTensor) in.tensors().get(i);
                StoredTensor dst = (StoredTensor) o.tensors().get(i);
                assertThat(dst.name()).isEqualTo(src.name());
                String type = dst.info().type().id();
                if (src.info().shape().rank() == 2) {
                    assertThat(type).as(src.name()).isIn("q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "q8_0");
                    chosen.add(type);
                }
                assertStoredAndDecoded(src, dst);
                bytes += dst.part(PartSpec.DATA).data().byteSize();
                values += src.info().shape().numel();
            }
            assertThat(chosen).as("the error measured per tensor decides: types differ").contains("q4_k", "q5_k");
            assertThat(bytes * 8.0 / values).isLessThanOrEqualTo(4.8).isGreaterThan(4.5);
        }
    }

    /**
     * A quantized tensor holds exactly the bytes the kernel's quantizer gives for the source values;
     * every tensor decodes, through the reader and its scheme, close to the source.
     */
    private static void assertStoredAndDecoded(StoredTensor src, StoredTensor dst) {
        String type = dst.info().type().id();
        int n = Math.toIntExact(src.info().shape().numel());
        float[] source = decode(src);
        if (type.equals("f32")) {
            assertThat(dst.part(PartSpec.DATA).data().mismatch(src.part(PartSpec.DATA).data())).isEqualTo(-1);
            return;
        }
        GgmlType ggml = GgmlType.byName(type).orElseThrow();
        if (ggml.isQuantized()) {
            MemorySegment expected = Arena.ofAuto().allocate(ggml.rowBytes(n));
            Kernels.ggml(ggml).orElseThrow().quantize(source, 0, n, expected, 0);
            assertThat(dst.part(PartSpec.DATA).data().mismatch(expected)).as(src.name() + " as " + type).isEqualTo(-1);
        }
        float[] decoded = decode(dst);
        double error = 0;
        double norm = 0;
        for (int i = 0; i < n; i++) {
            error += (decoded[i] - (double) source[i]) * (decoded[i] - (double) source[i]);
            norm += (double) source[i] * source[i];
        }
        assertThat(Math.sqrt(error / norm)).as(src.name() + " as " + type + ": relative RMS error")
                .isGreaterThan(0).isLessThan(MAX_REL_RMSE.get(type));
    }

    private static float[] decode(SourceTensor t) {
        float[] v = new float[Math.toIntExact(t.info().shape().numel())];
        session.codecs().decode(t, 0, Math.toIntExact(t.info().shape().rows()), v, 0);
        return v;
    }
}
