package dev.requant.plugins.safetensors;

import static dev.requant.plugins.safetensors.TestSupport.copy;
import static dev.requant.plugins.safetensors.TestSupport.data;
import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.spi.ModelSource;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our writer against files that the Python safetensors library (safetensors.torch) wrote: read
 * them, write them again, compare bytes.
 */
class PythonBytesTest {
    private static final SafetensorsWriter WRITER = new SafetensorsWriter();

    @TempDir
    Path dir;

    static Stream<Path> torchShards() throws IOException {
        try (Stream<Path> s = Files.list(data("fluxml-safetensors.jl/sharded"))) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList().stream();
        }
    }

    /**
     * Each shard was written by {@code save_file(..., metadata={"format": "pt"})}: same metadata as
     * ours, so the whole file must come out identical, header padding and tensor order included.
     */
    @ParameterizedTest
    @MethodSource("torchShards")
    void torchShardsComeOutByteForByteIdentical(Path shard) throws IOException {
        Path out = dir.resolve(shard.getFileName());
        try (ModelSource src = RealFilesTest.open(shard)) {
            copy(src, WRITER, out, Map.of(), 16);
        }
        assertThat(Files.readAllBytes(out)).isEqualTo(Files.readAllBytes(shard));
    }

    /**
     * The single file was written without metadata, so it has no {@code __metadata__}; ours always
     * has {@code {"format":"pt"}} (transformers refuses files without it). Everything else must
     * match: the tensor entries in the same order, the padding rule, and the data section.
     */
    @Test
    void theTorchSingleFileDiffersOnlyByTheFormatEntry() throws IOException {
        Path original = data("fluxml-safetensors.jl/non_sharded/model.safetensors");
        Path out = dir.resolve("model.safetensors");
        try (ModelSource src = RealFilesTest.open(original)) {
            copy(src, WRITER, out, Map.of(), 100);
        }
        byte[] theirs = Files.readAllBytes(original);
        byte[] ours = Files.readAllBytes(out);
        String theirHeader = TestSupport.headerText(theirs);
        assertThat(theirHeader).doesNotContain("__metadata__");
        assertThat(TestSupport.headerLength(theirs) % 8).as("python padded its header").isZero();

        String expected = "{\"__metadata__\":{\"format\":\"pt\"}," + theirHeader.stripTrailing().substring(1);
        int padded = (expected.length() + 7) / 8 * 8;
        assertThat(TestSupport.headerText(ours)).isEqualTo(expected + " ".repeat(padded - expected.length()));
        byte[] theirData = Arrays.copyOfRange(theirs, 8 + (int) TestSupport.headerLength(theirs), theirs.length);
        byte[] ourData = Arrays.copyOfRange(ours, 8 + (int) TestSupport.headerLength(ours), ours.length);
        assertThat(ourData).isEqualTo(theirData);
        assertThat(expected.getBytes(StandardCharsets.UTF_8)).hasSize(expected.length());
    }
}
