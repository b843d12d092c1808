package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged bitsandbytes checkpoints (copies of a fixture with one tensor removed or changed) are
 * refused by inspect and convert alike: exit code 3, one line naming the folder, the quantized
 * weight and what does not agree, and no output.
 */
class BnbDamagedInputTest {
    private static final Path NF4 = Cli.TESTDATA.resolve("fixtures/bnb_nf4_dq_bs64");
    private static final String Q = "model.layers.0.self_attn.q_proj.weight";
    private static final String STATE = Q + ".quant_state.bitsandbytes__nf4";
    private static final Session session = ShippedHost.SESSION;

    @TempDir
    Path dir;

    private record Tensor(String dtype, long[] shape, byte[] data) {
    }

    /** A copy of the NF4 fixture (config.json and the changed tensors), written as a new safetensors file. */
    private Path damaged(Consumer<LinkedHashMap<String, Tensor>> change) throws IOException {
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        try (ModelSource m = session.open(NF4, "safetensors")) {
            for (SourceTensor t : m.tensors()) {
                TensorPart p = ((StoredTensor) t).parts().getFirst();
                tensors.put(t.name(), new Tensor(p.spec().dtype().name(), p.spec().shape().dims(),
                        p.data().toArray(ValueLayout.JAVA_BYTE)));
            }
        }
        change.accept(tensors);
        Path folder = Files.createDirectories(dir.resolve("damaged"));
        Files.copy(NF4.resolve("config.json"), folder.resolve("config.json"));
        StringBuilder header = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        for (var e : tensors.entrySet()) {
            long start = data.size();
            data.writeBytes(e.getValue().data());
            header.append(header.length() > 1 ? "," : "").append('"').append(e.getKey()).append("\":{\"dtype\":\"")
                    .append(e.getValue().dtype()).append("\",\"shape\":").append(Arrays.stream(e.getValue().shape())
                            .mapToObj(Long::toString).collect(Collectors.joining(",", "[", "]")))
                    .append(",\"data_offsets\":[").append(start).append(',').append(data.size()).append("]}");
        }
        byte[] h = header.append('}').toString().getBytes(StandardCharsets.UTF_8);
        ByteBuffer file = ByteBuffer.allocate(8 + h.length + data.size()).order(ByteOrder.LITTLE_ENDIAN);
        Files.write(folder.resolve("model.safetensors"), file.putLong(h.length).put(h).put(data.toByteArray()).array());
        return folder;
    }

    private void assertRefused(Path folder, String problem) {
        Cli.Result inspect = Cli.run("inspect", folder.toString());
        assertThat(inspect.code()).as(inspect.err()).isEqualTo(3);
        assertThat(inspect.out()).isEmpty();
        assertThat(inspect.err().strip()).isEqualTo("requant: " + folder + ": tensor " + Q + ": " + problem);
        Path out = dir.resolve("out.gguf");
        Cli.Result convert = Cli.run("convert", folder.toString(), out.toString(), "--type", "q8_0");
        assertThat(convert.code()).as(convert.err()).isEqualTo(3);
        assertThat(convert.err().strip()).isEqualTo(inspect.err().strip());
        assertThat(out).doesNotExist();
    }

    private static void replaceInState(LinkedHashMap<String, Tensor> t, String from, String to) {
        String json = new String(t.get(STATE).data(), StandardCharsets.UTF_8);
        assertThat(json).contains(from);
        byte[] changed = json.replace(from, to).getBytes(StandardCharsets.UTF_8);
        t.put(STATE, new Tensor("U8", new long[] {changed.length}, changed));
    }

    @Test
    void missingAbsmax() throws IOException {
        assertRefused(damaged(t -> t.remove(Q + ".absmax")), "it has no absmax (no tensor " + Q + ".absmax)");
    }

    @Test
    void quantStateThatDoesNotParse() throws IOException {
        Path folder = damaged(t -> replaceInState(t, ", \"nested_offset\"", ", nested_offset"));
        Cli.Result r = Cli.run("inspect", folder.toString());
        assertThat(r.code()).isEqualTo(3);
        assertThat(r.err()).startsWith("requant: " + folder + ": tensor " + Q + ": its quant_state is not valid JSON (");
    }

    @Test
    void packedBytesThatDoNotMatchTheShape() throws IOException {
        assertRefused(damaged(t -> replaceInState(t, "\"shape\": [64, 64]", "\"shape\": [64, 128]")),
                "its packed weight U8 [2048, 1] holds 2048 bytes, but the shape [64, 128] in its quant_state needs 4096"
                        + " (two 4-bit codes a byte)");
    }

    @Test
    void absmaxThatDoesNotMatchTheBlocks() throws IOException {
        assertRefused(damaged(t -> t.put(Q + ".absmax", new Tensor("U8", new long[] {60}, new byte[60]))),
                "its absmax U8 [60] holds 60 values, but 4096 values in blocks of 64 need 64");
    }
}
