package dev.requant.plugins.safetensors;

import static dev.requant.plugins.safetensors.TestSupport.file;
import static dev.requant.plugins.safetensors.TestSupport.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Folders, indexes and the cross-check between an index and its shards. */
class ShardedCheckpointTest {
    private static final SafetensorsReader READER = new SafetensorsReader();

    @TempDir
    Path dir;

    private static byte[] shard(String... names) {
        StringBuilder h = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        for (int i = 0; i < names.length; i++) {
            h.append(",\"").append(names[i]).append("\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[")
                    .append(2 * i).append(',').append(2 * i + 2).append("]}");
        }
        return file(h.append('}').toString(), new byte[2 * names.length]);
    }

    private void index(String weightMap) throws IOException {
        write(dir, "model.safetensors.index.json",
                ("{\"metadata\":{\"total_size\":8,\"total_parameters\":8,\"note\":[1,{\"x\":null}]},\"weight_map\":{"
                        + weightMap + "}}").getBytes(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void twoShards() throws IOException {
        write(dir, "model-00001-of-00002.safetensors", shard("b", "a"));
        write(dir, "model-00002-of-00002.safetensors", shard("c", "d"));
    }

    @Test
    void readsShardsInNameOrderWhateverTheWeightMapOrder() throws IOException {
        index("\"d\":\"model-00002-of-00002.safetensors\",\"c\":\"model-00002-of-00002.safetensors\","
                + "\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\"");
        assertThat(READER.detect(dir)).isEqualTo(Detection.CONTAINER);
        try (ModelSource m = RealFilesTest.open(dir)) {
            assertThat(m.tensors()).extracting(SourceTensor::name).containsExactly("b", "a", "c", "d");
            assertThat(m.metadata().string("safetensors.format")).contains("pt");
        }
    }

    @Test
    void aTensorInTheWrongShardIsNamedWithItsShard() throws IOException {
        index("\"a\":\"model-00002-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
                + "\"c\":\"model-00002-of-00002.safetensors\",\"d\":\"model-00002-of-00002.safetensors\"");
        assertThatThrownBy(() -> RealFilesTest.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("model-00001-of-00002.safetensors: tensor a: is stored in "
                        + "model-00001-of-00002.safetensors but the weight_map of model.safetensors.index.json puts it in "
                        + "model-00002-of-00002.safetensors");
    }

    @Test
    void aTensorMissingFromTheWeightMapIsRefused() throws IOException {
        index("\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
                + "\"c\":\"model-00002-of-00002.safetensors\"");
        assertThatThrownBy(() -> RealFilesTest.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("model-00002-of-00002.safetensors: tensor d: is not in the weight_map");
    }

    @Test
    void aWeightMapEntryWithoutItsTensorIsRefused() throws IOException {
        index("\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
                + "\"c\":\"model-00002-of-00002.safetensors\",\"d\":\"model-00002-of-00002.safetensors\","
                + "\"e\":\"model-00002-of-00002.safetensors\"");
        assertThatThrownBy(() -> RealFilesTest.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("model.safetensors.index.json: tensor e: is in the weight_map, but shard "
                        + "model-00002-of-00002.safetensors does not contain it");
    }

    @Test
    void aMissingShardIsRefused() throws IOException {
        index("\"a\":\"model-00001-of-00002.safetensors\",\"x\":\"model-00003-of-00003.safetensors\"");
        assertThatThrownBy(() -> RealFilesTest.open(dir)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("model.safetensors.index.json: weight_map puts tensor 'x' in "
                        + "model-00003-of-00003.safetensors, which does not exist");
    }

    @Test
    void shardNamesMustStayInTheFolder() throws IOException {
        for (String name : new String[] {"../model-00001-of-00002.safetensors", "/etc/passwd", "sub/x.safetensors", ".."}) {
            index("\"a\":\"" + name + "\"");
            Path index = dir.resolve("model.safetensors.index.json");
            long at = Files.readString(index).indexOf("\"" + name + "\"");
            assertThatThrownBy(() -> RealFilesTest.open(dir)).isInstanceOf(BadInputException.class)
                    .hasMessageContaining(index + ": offset " + at + ": weight_map entry of tensor 'a'")
                    .hasMessageContaining("is not a file name in the index's folder");
        }
    }

    @Test
    void malformedIndexesAreRefusedWithAnOffset() throws IOException {
        String[][] cases = {
            {"{\"metadata\":{}}", "offset 0: the index has no \"weight_map\""},
            {"{\"weight_map\":{\"a\":1}}", "offset 19: weight_map entry of tensor 'a' must be a string"},
            {"{\"weight_map\":[]}", "offset 14: weight_map (an object of tensor name to shard file name) expected"},
            {"{\"weight_map\":{}", "invalid JSON"},
            {"{\"weight_map\":{},\"weight_map\":{}}", "Duplicate"},
        };
        for (String[] c : cases) {
            write(dir, "model.safetensors.index.json", c[0].getBytes(StandardCharsets.UTF_8));
            assertThatThrownBy(() -> RealFilesTest.open(dir)).as(c[0]).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("model.safetensors.index.json: ").hasMessageContaining(c[1]);
        }
    }

    @Test
    void aFolderWithoutIndexReadsItsWeightFilesButNeverExpectedSafetensors() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("plain"));
        write(folder, "model.safetensors", shard("w"));
        write(folder, "expected.safetensors", shard("w"));
        write(folder, "config.json", "{}".getBytes(StandardCharsets.UTF_8));
        try (ModelSource m = RealFilesTest.open(folder)) {
            assertThat(m.tensors()).extracting(SourceTensor::name).containsExactly("w");
        }
        Files.delete(folder.resolve("model.safetensors"));
        assertThat(READER.detect(folder)).isEqualTo(Detection.NONE);
        assertThatThrownBy(() -> RealFilesTest.open(folder)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("folder holds no *.safetensors weight file");
    }

    @Test
    void severalIndexesMustBeChosenBetween() throws IOException {
        Path folder = Files.createDirectories(dir.resolve("two"));
        write(folder, "a.safetensors.index.json", "{\"weight_map\":{}}".getBytes(StandardCharsets.UTF_8));
        write(folder, "b.safetensors.index.json", "{\"weight_map\":{}}".getBytes(StandardCharsets.UTF_8));
        assertThat(READER.detect(folder)).isEqualTo(Detection.CONTAINER);
        assertThatThrownBy(() -> RealFilesTest.open(folder)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("several indexes ([a.safetensors.index.json, b.safetensors.index.json])");
        try (ModelSource m = RealFilesTest.open(folder.resolve("a.safetensors.index.json"))) {
            assertThat(m.tensors()).isEmpty();
        }
    }

    @Test
    void sideFilesFollowTheDocumentedRule() throws IOException {
        index("\"a\":\"model-00001-of-00002.safetensors\",\"b\":\"model-00001-of-00002.safetensors\","
                + "\"c\":\"model-00002-of-00002.safetensors\",\"d\":\"model-00002-of-00002.safetensors\"");
        for (String name : new String[] {"config.json", "tokenizer.json", "tokenizer.model", "merges.txt", "vocab.json",
            "chat_template.jinja", "qwen.tiktoken", "README.md", "pytorch_model.bin.index.json", ".hidden.json",
            "modeling_x.py", "model.gguf"}) {
            write(dir, name, name.getBytes(StandardCharsets.UTF_8));
        }
        Files.createDirectories(dir.resolve("sub.json"));
        try (ModelSource m = RealFilesTest.open(dir)) {
            assertThat(m.metadata().files().keySet()).containsExactly("chat_template.jinja", "config.json", "merges.txt",
                    "qwen.tiktoken", "tokenizer.json", "tokenizer.model", "vocab.json");
            assertThat(m.metadata().files().get("merges.txt").bytes()).asString(StandardCharsets.UTF_8)
                    .isEqualTo("merges.txt");
        }
    }
}
