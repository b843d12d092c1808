package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * {@code requant inspect} of bitsandbytes checkpoints says what is stored: each quantized weight
 * as one tensor of its logical shape with its encoding and parameters, its bytes on disk with
 * every side tensor (absmax, maps, quant_state) counted, so bits per weight include them, and
 * which tensors are not quantized.
 */
class BnbInspectTest {
    private static final Path FIXTURES = Cli.TESTDATA.resolve("fixtures");
    private static final String Q = "model.layers.0.self_attn.q_proj.weight";

    @Test
    void textShowsEncodingsSizesAndWhatIsNotQuantized() {
        Path nf4 = FIXTURES.resolve("bnb_nf4_dq_bs64");
        Cli.Result r = Cli.run("inspect", nf4.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).startsWith(nf4 + ": bnb, 21 tensors, 98,624 values, 85.2 KiB\n")
                // 2048 packed + 64 absmax codes + 64 quant_map + 4 nested_absmax + 1024 nested map + 167 quant_state
                .containsPattern("  " + Q.replace(".", "\\.") + " +\\[64, 64\\] +bnb_nf4\\{block:64,double_quant:true,"
                        + "dtype:f16\\} +3\\.3 KiB +6\\.58\n")
                .contains("bnb_nf4{block:64,double_quant:true,dtype:f16} x14")
                .contains("quantized: 14 of 21 tensors, 86,016 values")
                .contains("not quantized: f16: lm_head.weight, model.embed_tokens.weight, model.layers.0.input_layernorm.weight")
                .contains("files: config.json, manifest.json");
    }

    @Test
    void jsonCountsEverySideTensor() {
        JsonNode nf4 = inspectJson("bnb_nf4_dq_bs64");
        JsonNode q = tensor(nf4, Q);
        assertThat(q.get("type").asString()).isEqualTo("bnb_nf4{block:64,double_quant:true,dtype:f16}");
        assertThat(q.get("quantized").asBoolean()).isTrue();
        assertThat(q.get("bytes").asLong()).isEqualTo(2048 + 64 + 64 + 4 + 1024 + 167);
        assertThat(q.get("bitsPerWeight").asDouble()).isEqualTo(3371 * 8.0 / 4096);
        // every stored byte is in exactly one logical tensor: the file's data section
        assertThat(nf4.get("totals").get("bytes").asLong()).isEqualTo(97144 - 8 - 9936);

        JsonNode fp4 = tensor(inspectJson("bnb_fp4_bs128"), Q);
        assertThat(fp4.get("type").asString()).isEqualTo("bnb_fp4{block:128,double_quant:false,dtype:f16}");
        assertThat(fp4.get("bytes").asLong()).isEqualTo(2048 + 4 * 32 + 64 + 78);

        JsonNode int8 = inspectJson("bnb_int8");
        JsonNode down = tensor(int8, "model.layers.0.mlp.down_proj.weight");
        assertThat(down.get("type").asString()).isEqualTo("bnb_int8");
        assertThat(down.get("shape").toString()).isEqualTo("[64,160]");
        assertThat(down.get("bytes").asLong()).isEqualTo(64 * 160 + 4 * 64 + 1);
        JsonNode norm = tensor(int8, "model.norm.weight");
        assertThat(norm.get("type").asString()).isEqualTo("f16");
        assertThat(norm.get("quantized").asBoolean()).isFalse();
        assertThat(int8.get("totals").get("quantizedTensors").asInt()).isEqualTo(14);
    }

    @Test
    void theContainerReaderStillShowsTheRawTensors() {
        Cli.Result r = Cli.run("inspect", FIXTURES.resolve("bnb_nf4_dq_bs64").toString(), "--format", "safetensors");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains(": safetensors, 91 tensors").contains(Q + ".quant_state.bitsandbytes__nf4")
                .containsPattern(Q.replace(".", "\\.") + " +\\[2048, 1\\] +u8");
    }

    private static JsonNode inspectJson(String fixture) {
        Cli.Result r = Cli.run("inspect", FIXTURES.resolve(fixture).toString(), "--json");
        assertThat(r.code()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    private static JsonNode tensor(JsonNode report, String name) {
        for (JsonNode t : report.get("tensors")) {
            if (t.get("name").asString().equals(name)) {
                return t;
            }
        }
        throw new AssertionError(name + " is not in the report");
    }
}
