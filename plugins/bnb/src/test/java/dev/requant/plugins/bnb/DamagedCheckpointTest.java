package dev.requant.plugins.bnb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.requant.plugins.bnb.Checkpoints.Entry;
import dev.requant.spi.BadInputException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged copies of the fixtures are refused when opened, before any tensor is handed out, with
 * the quantized weight's name and what does not agree.
 */
class DamagedCheckpointTest {
    private static final String Q = "model.layers.0.self_attn.q_proj.weight";
    private static final String STATE = Q + ".quant_state.bitsandbytes__nf4";
    private static final String DOWN = "model.layers.0.mlp.down_proj.";

    @TempDir
    Path dir;

    private int copies;

    private BadInputException refused(String fixture, Consumer<LinkedHashMap<String, Entry>> damage) throws IOException {
        LinkedHashMap<String, Entry> tensors = Checkpoints.read(Checkpoints.fixture(fixture));
        damage.accept(tensors);
        Path folder = Checkpoints.folder(dir.resolve("copy" + copies++), fixture, tensors);
        BadInputException e = catchThrowableOfType(BadInputException.class,
                () -> new BnbReader().open(folder, Checkpoints.CONTEXT).close());
        assertThat(e).as("refused").isNotNull();
        assertThat(e.file()).isEqualTo(folder);
        assertThat(e.getMessage()).startsWith(folder + ": tensor " + e.tensor() + ": ").doesNotContain("\n");
        return e;
    }

    private static void state(LinkedHashMap<String, Entry> t, String from, String to) {
        String json = t.get(STATE).text();
        assertThat(json).contains(from);
        t.put(STATE, Entry.text(json.replace(from, to)));
    }

    private static Entry f32(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return new Entry("F32", new long[] {values.length}, b.array());
    }

    @Test
    void missingAbsmax() throws IOException {
        BadInputException e = refused("bnb_nf4_dq_bs64", t -> t.remove(Q + ".absmax"));
        assertThat(e.tensor()).isEqualTo(Q);
        assertThat(e.problem()).isEqualTo("it has no absmax (no tensor " + Q + ".absmax)");
    }

    @Test
    void missingQuantMapOrNestedParts() throws IOException {
        assertThat(refused("bnb_nf4_bs64", t -> t.remove(Q + ".quant_map")).problem()).contains("no quant_map");
        assertThat(refused("bnb_nf4_dq_bs64", t -> t.remove(Q + ".nested_absmax")).problem())
                .contains("no nested_absmax");
        assertThat(refused("bnb_nf4_dq_bs64", t -> t.remove(Q + ".nested_quant_map")).problem())
                .contains("no nested_quant_map");
    }

    @Test
    void quantStateThatIsNotJson() throws IOException {
        BadInputException e = refused("bnb_nf4_dq_bs64", t -> t.put(STATE, Entry.text("{\"quant_type\": \"nf4\", \"blocksize\": 64,")));
        assertThat(e.tensor()).isEqualTo(Q);
        assertThat(e.problem()).startsWith("its quant_state is not valid JSON (").contains("\"blocksize\": 64,");
        assertThat(refused("bnb_nf4_dq_bs64", t -> t.put(STATE, Entry.u8(new byte[] {(byte) 0xFF, (byte) 0xFE})))
                .problem()).isEqualTo("its quant_state is not UTF-8 text");
        assertThat(refused("bnb_nf4_dq_bs64", t -> t.put(STATE, Entry.text("[64, 64]"))).problem())
                .startsWith("its quant_state is not a JSON object");
    }

    @Test
    void quantStateFieldsMissingOrMalformed() throws IOException {
        assertThat(refused("bnb_nf4_dq_bs64", t -> state(t, "\"shape\": [64, 64], ", "")).problem())
                .isEqualTo("its quant_state has no shape");
        assertThat(refused("bnb_nf4_dq_bs64", t -> state(t, "\"blocksize\": 64", "\"blocksize\": 0")).problem())
                .isEqualTo("its quant_state's blocksize must be a positive integer, found 0");
        assertThat(refused("bnb_nf4_dq_bs64", t -> state(t, "\"float16\"", "\"int8\"")).problem())
                .contains("dtype is 'int8'");
        assertThat(refused("bnb_nf4_dq_bs64", t -> state(t, "\"nested_dtype\": \"float32\"",
                "\"nested_dtype\": \"float16\"")).problem()).contains("nested_dtype is 'float16'");
        assertThat(refused("bnb_nf4_dq_bs64", t -> state(t, "[64, 64]", "[64, -64]")).problem())
                .contains("shape [64, -64] has a dimension that is not a non-negative integer");
    }

    @Test
    void shapeThatDoesNotMatchThePackedBytes() throws IOException {
        BadInputException e = refused("bnb_nf4_dq_bs64", t -> state(t, "[64, 64]", "[64, 65]"));
        assertThat(e.tensor()).isEqualTo(Q);
        assertThat(e.problem()).isEqualTo("its packed weight U8 [2048, 1] holds 2048 bytes, but the shape [64, 65] in"
                + " its quant_state needs 2080 (two 4-bit codes a byte)");
    }

    @Test
    void absmaxCountThatDoesNotMatchTheBlocks() throws IOException {
        BadInputException e = refused("bnb_nf4_dq_bs64", t -> {
            Entry a = t.get(Q + ".absmax");
            t.put(Q + ".absmax", new Entry("U8", new long[] {63}, Arrays.copyOf(a.data(), 63)));
        });
        assertThat(e.problem()).isEqualTo("its absmax U8 [63] holds 63 values, but 4096 values in blocks of 64 need 64");
        assertThat(refused("bnb_fp4_bs128", t -> t.put(Q + ".absmax", f32(new float[33]))).problem())
                .isEqualTo("its absmax F32 [33] holds 33 values, but 4096 values in blocks of 128 need 32");
    }

    @Test
    void absmaxOfTheWrongKind() throws IOException {
        assertThat(refused("bnb_nf4_dq_bs64", t -> t.put(Q + ".absmax", f32(new float[64]))).problem())
                .startsWith("its absmax is F32 [64], but with double quantization");
        assertThat(refused("bnb_nf4_bs64", t -> t.put(Q + ".absmax", Entry.u8(new byte[64]))).problem())
                .startsWith("its absmax is U8 [64], but without double quantization");
    }

    @Test
    void quantMapOfTheOtherType() throws IOException {
        BadInputException e = refused("bnb_nf4_bs64", t -> t.put(Q + ".quant_map",
                f32(dev.requant.kernels.bnb.FourBitCode.FP4.levels())));
        assertThat(e.problem()).startsWith("its quant_map is not the nf4 table: code 0 is 0.0 where nf4 has -1.0");
    }

    @Test
    void nestedPartsThatDoNotAgree() throws IOException {
        assertThat(refused("bnb_nf4_dq_bs64", t -> t.put(Q + ".nested_absmax", f32(1f, 2f))).problem())
                .isEqualTo("its nested_absmax F32 [2] holds 2 values, but 64 absmax codes in blocks of 256 need 1");
        assertThat(refused("bnb_nf4_dq_bs64", t -> t.put(Q + ".nested_quant_map", Entry.u8(new byte[256]))).problem())
                .isEqualTo("its nested_quant_map is U8 [256], bitsandbytes stores it as F32");
        BadInputException e = refused("bnb_nf4_dq_bs64", t -> {
            String json = t.get(STATE).text();
            t.put(STATE, Entry.text(json.substring(0, json.indexOf(", \"nested_blocksize\"")) + "}"));
        });
        assertThat(e.problem()).isEqualTo("it has nested_absmax, but its quant_state has no nested_offset: is it"
                + " double-quantized or not?");
    }

    @Test
    void quantStateAndNameThatDisagree() throws IOException {
        assertThat(refused("bnb_nf4_dq_bs64", t -> state(t, "\"quant_type\": \"nf4\"", "\"quant_type\": \"fp4\""))
                .problem()).isEqualTo("its quant_state says FP4 but its name says nf4");
        BadInputException e = refused("bnb_nf4_dq_bs64", t -> t.put(Q + ".quant_state.bitsandbytes__int4", t.remove(STATE)));
        assertThat(e.problem()).contains("names the 4-bit type 'int4'");
        assertThat(refused("bnb_nf4_dq_bs64", t -> t.put(Q + ".quant_state.bitsandbytes__fp4", t.get(STATE))).problem())
                .startsWith("it has two quant_states");
    }

    @Test
    void partsWithoutTheirWeightOrQuantState() throws IOException {
        BadInputException orphan = refused("bnb_nf4_dq_bs64", t -> t.remove(STATE));
        assertThat(orphan.tensor()).isEqualTo(Q);
        assertThat(orphan.problem()).startsWith("it has absmax, quant_map, nested_absmax, nested_quant_map (" + Q
                + ".absmax, ...) but no quant_state");
        BadInputException noWeight = refused("bnb_nf4_dq_bs64", t -> t.remove(Q));
        assertThat(noWeight.problem()).isEqualTo("there is a quant_state (" + STATE + ") but no packed weight " + Q);
    }

    @Test
    void int8RowScalesThatDoNotMatch() throws IOException {
        BadInputException e = refused("bnb_int8", t -> t.put(DOWN + "SCB", f32(new float[63])));
        assertThat(e.tensor()).isEqualTo(DOWN + "weight");
        assertThat(e.problem()).isEqualTo("its SCB is F32 [63], but its 64 rows need F32 [64]");
        assertThat(refused("bnb_int8", t -> t.put(DOWN + "weight", new Entry("U8", new long[] {64, 160},
                t.get(DOWN + "weight").data()))).problem()).isEqualTo("its weight is U8 [64, 160], but LLM.int8 stores I8 [out, in]");
    }

    @Test
    void int8TiledLayoutsAreRefused() throws IOException {
        BadInputException e = refused("bnb_int8", t -> t.put(DOWN + "weight_format", new Entry("U8", new long[0], new byte[] {2})));
        assertThat(e.problem()).startsWith("its weight_format is 2 (col_turing, a tiled GPU layout): only 0 (row) is readable");
    }

    @Test
    void int8PartsWithoutTheirPartners() throws IOException {
        assertThat(refused("bnb_int8", t -> t.remove(DOWN + "SCB")).problem())
                .isEqualTo("it has a weight_format (" + DOWN + "weight_format) but no SCB (" + DOWN
                        + "SCB), the row scales of LLM.int8 codes");
        assertThat(refused("bnb_int8", t -> t.remove(DOWN + "weight")).problem())
                .isEqualTo("there is an LLM.int8 row scale " + DOWN + "SCB but no weight " + DOWN + "weight");
    }

    @Test
    void aTruncatedFileIsRefusedByTheContainerWithItsOffset() throws IOException {
        byte[] model = Files.readAllBytes(Checkpoints.fixture("bnb_nf4_dq_bs64").resolve("model.safetensors"));
        Path file = Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(model, model.length - 100));
        BadInputException e = catchThrowableOfType(BadInputException.class,
                () -> new BnbReader().open(file, Checkpoints.CONTEXT).close());
        assertThat(e.offset()).isPresent();
    }
}
