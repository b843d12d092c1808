package dev.requant.plugins.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.io.MappedFile;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reading a file and writing it back unchanged. The four valid files in the test data folder
 * were written canonically (by ggml's own writer, gguf-py, llama.cpp's converters), so the
 * output must be the input, byte for byte.
 */
class GgufWriterRoundTripTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K.gguf", "ollama-llama-2-tiny-random.gguf", "hyllama-dummy.gguf"})
    void ggmlWrittenFilesComeBackByteForByte(String name) throws IOException {
        Path input = Models.GGUF.resolve(name);
        Path output = dir.resolve(name);
        Models.rewrite(input, output, Optional.empty(), Map.of());
        assertThat(Files.mismatch(input, output)).as("first differing byte").isEqualTo(-1);
        assertThat(leftovers()).containsExactly(output.getFileName().toString());
    }

    @Test
    void theGgufPyFileWithAlignment64ComesBackWithTheSameAlignment() throws IOException {
        Path input = Models.GGUF.resolve("zackshen-test-le-v3.gguf");
        Path output = dir.resolve("aligned.gguf");
        Models.rewrite(input, output, Optional.empty(), Map.of("alignment", "64"));
        assertThat(Files.mismatch(input, output)).isEqualTo(-1);
    }

    @Test
    void quantizedTensorsAreCopiedAsTheyAre() throws IOException {
        // laid out as llama-quantize leaves a file: quantization version and file type last
        byte[] bytes = new TestGguf()
                .str("general.architecture", "llama")
                .f32("output_norm.weight", 1, 64)
                .tensor("token_embd.weight", 12, TestGguf.random(3 * 144, 2), 256, 3)
                .tensor("blk.0.attn_q.weight", 8, TestGguf.random(2 * 2 * 34, 3), 64, 2)
                .tensor("blk.0.ffn_down.weight", 2, TestGguf.random(4 * 18, 4), 32, 4)
                .tensor("blk.0.ffn_up.weight", 14, TestGguf.random(210, 5), 256)
                .u32("general.quantization_version", 2)
                .u32("general.file_type", 15)
                .build();
        Path input = TestGguf.write(dir, "quantized-in.gguf", bytes);
        Path output = dir.resolve("quantized-out.gguf");
        Models.rewrite(input, output, Optional.empty(), Map.of());
        assertThat(Files.mismatch(input, output)).isEqualTo(-1);
    }

    @Test
    void splitByTensorCountAndReadBackFromAnyShard() throws IOException {
        Path input = Models.GGUF.resolve("stories260K.gguf");
        Models.rewrite(input, dir.resolve("stories.gguf"), Optional.empty(), Map.of("split_max_tensors", "20"));
        assertThat(leftovers()).containsExactly("stories-00001-of-00003.gguf", "stories-00002-of-00003.gguf",
                "stories-00003-of-00003.gguf");

        List<GgufHeader> shards = headers("stories-00001-of-00003.gguf", "stories-00002-of-00003.gguf",
                "stories-00003-of-00003.gguf");
        assertThat(shards).extracting(h -> h.tensors().size()).containsExactly(20, 20, 8);
        // the model's keys in the first shard only, then the split keys in every shard
        assertThat(shards.get(0).kvs()).hasSize(19 + 3);
        assertThat(List.copyOf(shards.get(0).kvs().keySet()).subList(19, 22))
                .containsExactly("split.no", "split.count", "split.tensors.count");
        for (int s = 0; s < 3; s++) {
            Map<String, GgufKv> kvs = shards.get(s).kvs();
            if (s > 0) {
                assertThat(kvs.keySet()).containsExactly("split.no", "split.count", "split.tensors.count");
            }
            assertThat(kvs.get("split.no").value()).isEqualTo(new MetaValue.Int(MetaType.U16, s));
            assertThat(kvs.get("split.count").value()).isEqualTo(new MetaValue.Int(MetaType.U16, 3));
            assertThat(kvs.get("split.tensors.count").value()).isEqualTo(new MetaValue.Int(MetaType.I32, 48));
        }

        for (String shard : List.of("stories-00001-of-00003.gguf", "stories-00003-of-00003.gguf")) {
            try (ModelSource split = Models.open(dir.resolve(shard)); ModelSource whole = Models.open(input)) {
                assertThat(split.metadata().values()).isEqualTo(whole.metadata().values());
                assertSameTensors(split, whole);
            }
        }
        // merging the shards again gives the original file
        Path merged = dir.resolve("merged/stories260K.gguf");
        Models.rewrite(dir.resolve("stories-00002-of-00003.gguf"), merged, Optional.empty(), Map.of());
        assertThat(Files.mismatch(input, merged)).isEqualTo(-1);
    }

    @Test
    void splitBySizeKeepsEachShardsDataWithinTheLimit() throws IOException {
        Path input = Models.GGUF.resolve("ollama-llama-2-tiny-random.gguf");
        Models.rewrite(input, dir.resolve("tiny-00001-of-00009.gguf"), Optional.empty(),
                Map.of("split_max_size", "0.6M", "alignment", "64"));
        // token_embd and output (512000 bytes each) cannot share a shard under 600000; the rest fits between
        assertThat(leftovers()).containsExactly("tiny-00001-of-00002.gguf", "tiny-00002-of-00002.gguf");
        List<GgufHeader> shards = headers("tiny-00001-of-00002.gguf", "tiny-00002-of-00002.gguf");
        assertThat(shards).extracting(h -> h.tensors().size()).containsExactly(11, 1);
        for (GgufHeader h : shards) {
            assertThat(h.alignment()).isEqualTo(64);
            long data = h.tensors().stream().mapToLong(t -> GgufParser.alignUp(t.nbytes(), 64)).sum();
            assertThat(data).isLessThanOrEqualTo(600_000);
            assertThat(Files.size(h.file())).isEqualTo(h.dataOffset() + data);
        }
        assertThat(shards.get(1).kvs().keySet()).containsExactly("general.alignment", "split.no", "split.count",
                "split.tensors.count");
        try (ModelSource split = Models.open(dir.resolve("tiny-00002-of-00002.gguf"));
                ModelSource whole = Models.open(input)) {
            assertThat(split.metadata().values()).isEqualTo(whole.metadata().values());
            assertSameTensors(split, whole);
        }
    }

    private List<GgufHeader> headers(String... names) throws IOException {
        List<GgufHeader> headers = new java.util.ArrayList<>();
        for (String name : names) {
            try (MappedFile f = MappedFile.open(dir.resolve(name))) {
                headers.add(GgufParser.parse(f.path(), f.segment()));
            }
        }
        return headers;
    }

    private static void assertSameTensors(ModelSource a, ModelSource b) {
        assertThat(a.tensors()).extracting(SourceTensor::info).isEqualTo(b.tensors().stream().map(SourceTensor::info).toList());
        for (int i = 0; i < a.tensors().size(); i++) {
            assertThat(Models.stored(a.tensors().get(i)).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE))
                    .as(a.tensors().get(i).name())
                    .isEqualTo(Models.stored(b.tensors().get(i)).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE));
        }
    }

    /** Every file left in the output folder, temporary ones included. */
    private List<String> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).map(p -> p.getFileName().toString())
                    .filter(n -> !n.startsWith("quantized-in")).sorted().toList();
        }
    }
}
