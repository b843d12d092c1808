package dev.requant.plugins.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.requant.spi.BadInputException;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Split models whose shards do not fit together. */
class GgufSplitReadTest {
    @TempDir
    Path dir;

    /** Shard {@code no} (from 0) as gguf-split writes it, holding one tensor of the given name. */
    private static TestGguf shard(int no, int count, int tensors, String tensor) {
        TestGguf g = new TestGguf();
        if (no == 0) {
            g.str("general.architecture", "llama");
        }
        return g.kv("split.no", TestGguf.U16, o -> o.u16(no))
                .kv("split.count", TestGguf.U16, o -> o.u16(count))
                .kv("split.tensors.count", TestGguf.I32, o -> o.u32(tensors))
                .f32(tensor, no, 8);
    }

    private Path write(String name, TestGguf g) throws IOException {
        return TestGguf.write(dir, name, g.build());
    }

    @Test
    void handMadeShardsAreReadInOrderWithTheFirstShardsMetadata() throws IOException {
        write("m-00001-of-00002.gguf", shard(0, 2, 2, "a"));
        Path second = write("m-00002-of-00002.gguf", shard(1, 2, 2, "b"));
        try (ModelSource m = Models.open(second)) {
            assertThat(m.tensors()).extracting(SourceTensor::name).containsExactly("a", "b");
            assertThat(m.metadata().values().keySet()).containsExactly("general.architecture");
        }
    }

    @Test
    void aMissingShard() throws IOException {
        Models.rewrite(Models.GGUF.resolve("stories260K.gguf"), dir.resolve("s.gguf"), Optional.empty(),
                Map.of("split_max_tensors", "20"));
        Files.delete(dir.resolve("s-00002-of-00003.gguf"));
        Path first = dir.resolve("s-00001-of-00003.gguf");
        BadInputException e = refused(first);
        assertThat(e.file()).isEqualTo(first);
        assertThat(e.getMessage()).contains("shard 2 of 3 of this split model is missing: "
                + dir.resolve("s-00002-of-00003.gguf"));
    }

    @Test
    void shardsThatDisagreeOnTheCount() throws IOException {
        Path first = write("m-00001-of-00002.gguf", shard(0, 2, 2, "a"));
        TestGguf second = shard(1, 3, 2, "b");
        Path secondPath = write("m-00002-of-00002.gguf", second);
        BadInputException e = refused(first);
        assertThat(e.file()).isEqualTo(secondPath);
        assertThat(e.offset()).hasValue((long) second.mark("kv:split.count"));
        assertThat(e.getMessage()).contains("split.count is 3 but the other shards say 2");
    }

    @Test
    void aShardWithTheWrongNumber() throws IOException {
        Path first = write("m-00001-of-00002.gguf", shard(0, 2, 2, "a"));
        TestGguf second = shard(0, 2, 2, "b");
        write("m-00002-of-00002.gguf", second);
        BadInputException e = refused(first);
        assertThat(e.offset()).hasValue((long) second.mark("kv:split.no"));
        assertThat(e.getMessage()).contains("split.no is 0 but the file name makes it shard 2 (split.no 1)");
    }

    @Test
    void aWrongTotalTensorCount() throws IOException {
        TestGguf firstShard = shard(0, 2, 5, "a");
        Path first = write("m-00001-of-00002.gguf", firstShard);
        write("m-00002-of-00002.gguf", shard(1, 2, 5, "b"));
        BadInputException e = refused(first);
        assertThat(e.offset()).hasValue((long) firstShard.mark("kv:split.tensors.count"));
        assertThat(e.getMessage()).contains("split.tensors.count is 5 but the 2 shards hold 2 tensors");
    }

    @Test
    void aTensorInTwoShards() throws IOException {
        Path first = write("m-00001-of-00002.gguf", shard(0, 2, 2, "a"));
        write("m-00002-of-00002.gguf", shard(1, 2, 2, "a"));
        assertThat(refused(first).getMessage()).contains("tensor 'a' is also in shard 1");
    }

    @Test
    void aRenamedShardCannotFindItsSiblings() throws IOException {
        TestGguf g = shard(0, 2, 2, "a");
        Path renamed = write("model.gguf", g);
        BadInputException e = refused(renamed);
        assertThat(e.offset()).hasValue((long) g.mark("kv:split.count"));
        assertThat(e.getMessage()).contains("this is shard 1 of 2 of a split model, but its name does not end in"
                + " -00001-of-00002.gguf");
    }

    @Test
    void splitKeysMustBeIntegersInRange() throws IOException {
        TestGguf text = new TestGguf().str("split.count", "2").f32("a", 1, 8);
        Path p = write("t-00001-of-00002.gguf", text);
        assertThat(refused(p).getMessage()).contains("split.count must be an integer, not STRING");
        TestGguf beyond = new TestGguf().kv("split.no", TestGguf.U16, o -> o.u16(5))
                .kv("split.count", TestGguf.U16, o -> o.u16(2)).f32("a", 1, 8);
        Path q = write("u-00001-of-00002.gguf", beyond);
        BadInputException e = refused(q);
        assertThat(e.offset()).hasValue((long) beyond.mark("kv:split.no"));
        assertThat(e.getMessage()).contains("split.no is 5, outside 0..1");
        TestGguf noIndex = new TestGguf().kv("split.count", TestGguf.U16, o -> o.u16(2)).f32("a", 1, 8);
        assertThat(refused(write("v-00001-of-00002.gguf", noIndex)).getMessage())
                .contains("the file has split.count but no split.no");
    }

    @Test
    void aSingleShardNeedsNoShardName() throws IOException {
        try (ModelSource m = Models.open(write("whole.gguf", shard(0, 1, 1, "a")))) {
            assertThat(m.tensors()).hasSize(1);
            assertThat(m.metadata().values().keySet()).containsExactly("general.architecture");
        }
    }

    private static BadInputException refused(Path file) {
        BadInputException e = catchThrowableOfType(BadInputException.class, () -> Models.open(file).close());
        assertThat(e).as("refused").isNotNull();
        return e;
    }
}
