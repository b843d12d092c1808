package dev.requant.plugins.gguf;

import static dev.requant.plugins.gguf.TestGguf.ARRAY;
import static dev.requant.plugins.gguf.TestGguf.I32;
import static dev.requant.plugins.gguf.TestGguf.STRING;
import static dev.requant.plugins.gguf.TestGguf.U64;
import static dev.requant.plugins.gguf.TestGguf.U8;
import static dev.requant.plugins.gguf.TestGguf.patch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.requant.spi.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Damaged, truncated and hostile files: each refused with the file, the offset and what is wrong. */
class GgufReaderDamagedTest {
    @TempDir
    Path dir;

    /** A small valid file: keys of three kinds, two F32 tensors and a Q4_0 one. */
    private static TestGguf base() {
        return new TestGguf()
                .str("general.architecture", "llama")
                .kv("arr", ARRAY, o -> o.u32(STRING).u64(2).str("a").str("b"))
                .u32("n", 7)
                .f32("a", 1, 8, 2)
                .f32("b", 2, 4)
                .tensor("q", 2, TestGguf.random(2 * 18, 3), 32, 2);
    }

    @Test
    void theBaseFileIsValid() throws IOException {
        try (var m = Models.open(TestGguf.write(dir, "ok.gguf", base().build()))) {
            assertThat(m.tensors()).hasSize(3);
        }
    }

    @Test
    void truncatedAtEveryLength() throws IOException {
        byte[] whole = base().noTrailingPadding().build();
        for (int length = 0; length < whole.length; length++) {
            BadInputException e = refused(Arrays.copyOf(whole, length));
            assertThat(e.offset()).as("cut at %d: %s", length, e.getMessage()).isPresent();
            assertThat(e.offset().getAsLong()).as("cut at %d", length).isBetween(0L, (long) length);
        }
    }

    @Test
    void realFilesTruncatedInsideKeysTensorInfosAndData() throws IOException {
        byte[] hyllama = Files.readAllBytes(Models.GGUF.resolve("hyllama-dummy.gguf"));
        for (int length = 0; length < hyllama.length; length += length < 1300 ? 1 : 97) {
            assertThat(refused(Arrays.copyOf(hyllama, length)).offset()).as("hyllama cut at %d", length).isPresent();
        }
        byte[] ollama = Files.readAllBytes(Models.GGUF.resolve("ollama-llama-2-tiny-random.gguf"));
        // inside the token strings, the scores, the token types, the tensor infos, the data, the last byte
        for (int length : new int[] {530, 100_000, 500_000, 700_000, 723_700, 724_000, 724_410, 1_000_000,
                ollama.length - 1}) {
            BadInputException e = refused(Arrays.copyOf(ollama, length));
            assertThat(e.offset()).as("ollama cut at %d", length).isPresent();
            assertThat(e.getMessage()).as("ollama cut at %d", length).containsAnyOf("the file ends inside",
                    "exceeds the", "cannot fit", "runs past the end");
        }
    }

    @Test
    void tooShortForTheMagic() {
        assertRefused(new byte[] {'G', 'G'}, 0, "not a GGUF file", "fewer than the 4-byte magic");
        assertRefused(new byte[0], 0, "not a GGUF file");
    }

    @Test
    void badMagic() {
        byte[] bytes = base().build();
        bytes[3] = 'L';
        assertRefused(bytes, 0, "not a GGUF file: the magic is 47 47 55 4c");
    }

    @Test
    void version1IsRefused() {
        assertRefused(patch(base().build(), 4, 4, 1), 4, "GGUF version 1 is not supported");
    }

    @Test
    void version0AndFutureVersionsAreRefused() {
        assertRefused(patch(base().build(), 4, 4, 0), 4, "GGUF version 0 is invalid");
        assertRefused(patch(base().build(), 4, 4, 4), 4, "GGUF version 4 is newer than version 3");
    }

    @Test
    void bigEndianIsRecognisedAndRefused() {
        assertRefused(patch(base().build(), 4, 4, Integer.reverseBytes(3)), 4, "the file is big-endian (version 3",
                "requant reads little-endian GGUF only");
    }

    @Test
    void absurdCounts() {
        assertRefused(patch(base().build(), 8, 8, 1L << 40), 8, "tensor count 1099511627776 is impossible");
        assertRefused(patch(base().build(), 8, 8, -1), 8, "tensor count -1 is negative");
        assertRefused(patch(base().build(), 16, 8, 1L << 40), 16, "key/value count 1099511627776 is impossible");
        assertRefused(patch(base().build(), 16, 8, Long.MIN_VALUE), 16, "key/value count", "is negative");
    }

    @Test
    void absurdStringLengths() {
        TestGguf g = base();
        byte[] bytes = g.build();
        int key = g.mark("kv:n");
        assertRefused(patch(bytes, key, 8, 1L << 62), key, "a key: length 4611686018427387904 exceeds the");
        assertRefused(patch(bytes, key, 8, -1), key, "length 18446744073709551615 exceeds the");
        int value = g.mark("kvvalue:general.architecture");
        assertRefused(patch(bytes, value, 8, 1L << 31), value, "the value of key 'general.architecture'",
                "exceeds the");
        int name = g.mark("tensor:b");
        assertRefused(patch(bytes, name, 8, 999), name, "the name of tensor 1: length 999 exceeds the");
    }

    @Test
    void absurdArrayCount() {
        TestGguf g = base();
        byte[] bytes = g.build();
        int count = g.mark("kvvalue:arr") + 4;
        assertRefused(patch(bytes, count, 8, 1L << 40), count, "key 'arr': an array of 1099511627776 STRING values cannot fit");
    }

    @Test
    void tooManyDimensions() {
        TestGguf g = base();
        byte[] bytes = g.build();
        assertRefused(patch(bytes, g.mark("ndims:a"), 4, 5), g.mark("ndims:a"), "tensor 'a': n_dims 5 is more than ggml's 4");
        assertRefused(patch(bytes, g.mark("ndims:a"), 4, -1), g.mark("ndims:a"), "n_dims 4294967295");
    }

    @Test
    void negativeAndOverflowingDimensions() {
        TestGguf g = base();
        byte[] bytes = g.build();
        int ne0 = g.mark("ndims:a") + 4;
        assertRefused(patch(bytes, ne0, 8, -8), ne0, "tensor 'a': dimension 0 is negative (-8)");
        byte[] huge = patch(patch(bytes, ne0, 8, 1L << 40), ne0 + 8, 8, 1L << 40);
        assertRefused(huge, g.mark("tensor:a"), "tensor 'a': dimensions [1099511627776, 1099511627776] overflow");
    }

    @ParameterizedTest
    @ValueSource(ints = {43, 44, 1000, -1})
    void unknownTypeIds(int id) {
        TestGguf g = base();
        assertRefused(patch(g.build(), g.mark("type:b"), 4, id), g.mark("type:b"),
                "tensor 'b': unknown ggml type id " + id + " (ggml defines 0 to 42)");
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 31, 32, 33, 36, 37, 38})
    void removedTypeIdsAreRefusedByName(int id) {
        TestGguf g = base();
        String name = dev.requant.kernels.ggml.GgmlType.byId(id).orElseThrow().typeName();
        assertRefused(patch(g.build(), g.mark("type:b"), 4, id), g.mark("type:b"),
                "tensor 'b': ggml type id " + id + " (" + name + ") was removed from ggml");
    }

    @Test
    void rowLengthNotAMultipleOfTheBlock() {
        byte[] bytes = new TestGguf().tensor("q", 2, new byte[18], 33, 1).build();
        assertRefused(bytes, 24, "tensor 'q': row length ne[0] = 33 is not a multiple of the q4_0 block size 32");
    }

    @Test
    void offsetPastTheEnd() {
        TestGguf g = base();
        int at = g.mark("offset:q");
        assertRefused(patch(g.build(), at, 8, 1L << 40), at, "tensor 'q': data offset 1099511627776 plus 36 bytes",
                "runs past the end of the file");
        assertRefused(patch(g.build(), at, 8, -32), at, "data offset 18446744073709551584", "past the end");
    }

    @Test
    void misalignedOffset() {
        TestGguf g = base();
        int at = g.mark("offset:b");
        assertRefused(patch(g.build(), at, 8, 64 + 4), at, "tensor 'b': data offset 68 is not a multiple of the alignment 32");
    }

    @Test
    void overlappingOffset() {
        TestGguf g = base();
        int at = g.mark("offset:b");
        assertRefused(patch(g.build(), at, 8, 0), at, "tensor 'b': data offset 0, expected 64", "overlaps");
    }

    @Test
    void gapBetweenTensors() {
        TestGguf g = base();
        int at = g.mark("offset:b");
        assertRefused(patch(g.build(), at, 8, 96), at, "tensor 'b': data offset 96, expected 64", "leaves a gap");
    }

    @Test
    void duplicateKey() {
        TestGguf g = base().u32("n", 8);
        byte[] bytes = g.build();
        // the mark of the later "n" overwrote the first one's
        assertRefused(bytes, g.mark("kv:n"), "duplicate key 'n' (first at offset");
    }

    @Test
    void emptyKey() {
        TestGguf g = base().u32("", 8);
        assertRefused(g.build(), g.mark("kv:"), "empty key");
    }

    @Test
    void unknownValueType() {
        TestGguf g = base();
        int at = g.mark("kvtype:n");
        assertRefused(patch(g.build(), at, 4, 13), at, "key 'n': unknown value type 13");
    }

    @Test
    void duplicateTensorName() {
        TestGguf g = base().f32("a", 9, 4);
        assertRefused(g.build(), g.mark("tensor:a"), "duplicate tensor name 'a'");
    }

    @Test
    void alignmentMustBeAU32PowerOfTwo() {
        TestGguf asU64 = base().kv("general.alignment", U64, o -> o.u64(32));
        assertRefused(asU64.build(), asU64.mark("kv:general.alignment"), "general.alignment must be a U32, not U64");
        TestGguf asI32 = base().kv("general.alignment", I32, o -> o.u32(32));
        assertRefused(asI32.build(), asI32.mark("kv:general.alignment"), "must be a U32, not I32");
        TestGguf odd = base().u32("general.alignment", 48);
        assertRefused(odd.build(), odd.mark("kv:general.alignment"), "general.alignment 48 is not a power of two");
        TestGguf zero = base().u32("general.alignment", 0);
        assertRefused(zero.build(), zero.mark("kv:general.alignment"), "general.alignment 0 is not a power of two");
    }

    @Test
    void arraysNestedTooDeep() throws IOException {
        Consumer<TestGguf.Out> nested = o -> {
            for (int i = 0; i < GgufParser.MAX_ARRAY_NESTING; i++) {
                o.u32(ARRAY).u64(1);
            }
            o.u32(U8).u64(0);
        };
        TestGguf g = base().kv("deep", ARRAY, nested);
        BadInputException e = refused(g.build());
        assertThat(e.getMessage()).contains("key 'deep': arrays nested more than 16 deep");
        assertThat(e.offset()).isPresent();
    }

    @Test
    void stringsThatAreNotUtf8() {
        TestGguf g = new TestGguf().kv("bad", STRING, o -> o.u64(2).u8(0xC3).u8(0x28));
        assertRefused(g.build(), g.mark("kvvalue:bad") + 8, "the value of key 'bad' is not valid UTF-8");
    }

    private BadInputException refused(byte[] bytes) throws IOException {
        Path file = TestGguf.write(dir, "damaged.gguf", bytes);
        BadInputException e = catchThrowableOfType(BadInputException.class, () -> Models.open(file).close());
        assertThat(e).as("a BadInputException for a damaged file").isNotNull();
        assertThat(e.file()).isEqualTo(file);
        assertThat(e.getMessage()).startsWith(file.toString());
        return e;
    }

    private void assertRefused(byte[] bytes, long offset, String... fragments) {
        try {
            BadInputException e = refused(bytes);
            assertThat(e.offset()).as(e.getMessage()).hasValue(offset);
            assertThat(e.getMessage()).contains(fragments);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
