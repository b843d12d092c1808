package dev.requant.plugins.safetensors;

import static dev.requant.plugins.safetensors.TestSupport.file;
import static dev.requant.plugins.safetensors.TestSupport.write;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files built here, valid and damaged in every way the Rust reader refuses. */
class DamagedFilesTest {
    private static final SafetensorsReader READER = new SafetensorsReader();

    /** a: F32 [2] at [0, 8); b: U8 [3] at [8, 11). */
    private static final String GOOD = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[8,11]}}";
    private static final byte[] DATA = {0, 0, (byte) 0x80, 0x3f, 0, 0, 0, 0x40, 7, 8, 9};

    @TempDir
    Path dir;

    private ModelSource open(Path p) throws IOException {
        return RealFilesTest.open(p);
    }

    /** Opening {@code bytes} fails with a BadInputException naming the file and this offset. */
    private AbstractThrowableAssert<?, ? extends Throwable> refused(byte[] bytes, long offset) throws IOException {
        Path p = write(dir, "damaged.safetensors", bytes);
        return assertThatThrownBy(() -> open(p))
                .isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(p.toAbsolutePath() + ": offset " + offset + ": ")
                .satisfies(e -> assertThat(((BadInputException) e).offset()).hasValue(offset));
    }

    private static long dataStart(String header) {
        return 8 + header.getBytes(StandardCharsets.UTF_8).length;
    }

    @Test
    void theGoodFileReads() throws IOException {
        Path p = write(dir, "good.safetensors", file(GOOD, DATA));
        assertThat(READER.detect(p)).isEqualTo(Detection.CONTAINER);
        try (ModelSource m = open(p)) {
            assertThat(m.tensors()).extracting(t -> t.info().toString()).containsExactly("a [2] f32", "b [3] u8");
            assertThat(TestSupport.data((StoredTensor) m.tensors().get(1))).containsExactly(7, 8, 9);
        }
    }

    @Test
    void everyTruncationIsRefused() throws IOException {
        byte[] whole = file(GOOD, DATA);
        long dataStart = dataStart(GOOD);
        for (int len = 0; len < whole.length; len++) {
            byte[] cut = Arrays.copyOf(whole, len);
            Path p = write(dir, "cut.safetensors", cut);
            // detection looks at the length and the opening brace: a cut file still looks like one,
            // so that open() can say where it is cut
            assertThat(READER.detect(p)).as("detect at %d", len)
                    .isEqualTo(len < 10 ? Detection.NONE : Detection.CONTAINER);
            if (len < 8) {
                refused(cut, 0).hasMessageContaining("too short for the 8-byte header length");
            } else if (len < dataStart) {
                refused(cut, 0).hasMessageContaining("runs past the end of the file");
            } else if (len < dataStart + 8) {
                refused(cut, dataStart).hasMessageContaining("tensor 'a'").hasMessageContaining("truncated");
            } else {
                refused(cut, dataStart + 8).hasMessageContaining("tensor 'b'").hasMessageContaining("truncated");
            }
        }
    }

    @Test
    void hugeHeaderLengthsAreRefused() throws IOException {
        for (long n : new long[] {100_000_001L, 1L << 40, -1L}) {
            byte[] bytes = file(GOOD, DATA);
            ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(0, n);
            refused(bytes, 0).hasMessageContaining("exceeds the limit of 100000000 bytes")
                    .hasMessageContaining(Long.toUnsignedString(n));
        }
        byte[] atLimit = file(GOOD, DATA);
        ByteBuffer.wrap(atLimit).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 100_000_000L);
        refused(atLimit, 0).hasMessageContaining("runs past the end of the file");
    }

    @Test
    void overlapIsRefusedAtTheDataOffset() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[4,7]}}";
        refused(file(h, Arrays.copyOf(DATA, 8)), dataStart(h) + 4)
                .hasMessageContaining("tensor 'b': data_offsets [4, 7] overlap tensor 'a' [0, 8]");
    }

    @Test
    void aliasingIsRefusedAsOverlap() throws IOException {
        String h = "{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}";
        refused(file(h, new byte[3]), dataStart(h)).hasMessageContaining("overlap");
    }

    @Test
    void gapsAreRefusedWhereTheUnusedBytesStart() throws IOException {
        String gap = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[9,12]}}";
        refused(file(gap, new byte[12]), dataStart(gap) + 8)
                .hasMessageContaining("tensor 'b': data_offsets [9, 12] leave 1 bytes unused after tensor 'a'");
        String notAtZero = "{\"b\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[2,5]}}";
        refused(file(notAtZero, new byte[5]), dataStart(notAtZero))
                .hasMessageContaining("leave 2 bytes unused after the header");
    }

    @Test
    void endBeforeBeginIsRefusedAtTheTensorsHeaderEntry() throws IOException {
        String h = "{\"a\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[3,0]}}";
        refused(file(h, new byte[0]), 8 + h.indexOf("\"a\"")).hasMessageContaining("end before they begin");
    }

    @Test
    void trailingBytesAreRefused() throws IOException {
        byte[] junk = Arrays.copyOf(DATA, DATA.length + 5);
        refused(file(GOOD, junk), dataStart(GOOD) + 11)
                .hasMessageContaining("5 bytes follow the last tensor's data");
        refused(file("{}", new byte[1]), 10).hasMessageContaining("1 bytes follow");
    }

    @Test
    void unknownDtypesAreRefusedAtTheDtype() throws IOException {
        for (String dtype : new String[] {"F7", "f32", "F8_E4M3FN", "Q4_0", ""}) {
            String h = "{\"a\":{\"dtype\":\"" + dtype + "\",\"shape\":[2],\"data_offsets\":[0,8]}}";
            refused(file(h, new byte[8]), 8 + h.indexOf("\"" + dtype + "\""))
                    .hasMessageContaining("tensor 'a': unknown dtype \"" + dtype + "\"");
        }
    }

    @Test
    void everyDtypeOfTheFormatReads() throws IOException {
        StringBuilder h = new StringBuilder("{");
        long offset = 0;
        for (ElementType t : ElementType.values()) {
            long bytes = t.bytesFor(8);
            h.append(offset == 0 ? "" : ",").append("\"t_").append(t.name()).append("\":{\"dtype\":\"").append(t.name())
                    .append("\",\"shape\":[2,4],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + bytes).append("]}");
            offset += bytes;
        }
        Path p = write(dir, "all.safetensors", file(h.append('}').toString(), new byte[(int) offset]));
        try (ModelSource m = open(p)) {
            assertThat(m.tensors()).hasSize(ElementType.values().length);
            for (var t : m.tensors()) {
                assertThat(t.info().type()).isEqualTo(ElementType.valueOf(t.name().substring(2)));
                assertThat(t.info().shape()).isEqualTo(Shape.of(2, 4));
            }
        }
        assertThat(Dtypes.all()).containsExactlyInAnyOrder(ElementType.values());
    }

    @Test
    void shapeAndSizeMismatchIsRefusedAtTheTensor() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}";
        refused(file(h, new byte[8]), 8 + h.indexOf("\"a\""))
                .hasMessageContaining("tensor 'a': shape [3] of F32 needs 12 bytes but data_offsets [0, 8] hold 8");
    }

    @Test
    void subByteTensorsMustFillWholeBytes() throws IOException {
        String odd = "{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}";
        refused(file(odd, new byte[2]), 8 + odd.indexOf("\"a\""))
                .hasMessageContaining("3 elements of F4 (4 bits each) do not fill whole bytes");
        String six = "{\"a\":{\"dtype\":\"F6_E2M3\",\"shape\":[2,2],\"data_offsets\":[0,3]},"
                + "\"b\":{\"dtype\":\"F4\",\"shape\":[2],\"data_offsets\":[3,4]}}";
        try (ModelSource m = open(write(dir, "fp.safetensors", file(six, new byte[4])))) {
            assertThat(m.tensors()).extracting(t -> ((StoredTensor) t).byteSize()).containsExactly(3L, 1L);
        }
    }

    @Test
    void elementCountOverflowIsRefused() throws IOException {
        String h = "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}";
        refused(file(h, new byte[0]), 8 + h.indexOf("\"a\"")).hasMessageContaining("overflows a 64-bit size");
        String bits = "{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,0]}}";
        refused(file(bits, new byte[0]), 8 + bits.indexOf("\"a\"")).hasMessageContaining("overflows");
        String big = "{\"a\":{\"dtype\":\"U8\",\"shape\":[18446744073709551615],\"data_offsets\":[0,0]}}";
        refused(file(big, new byte[0]), 8 + big.indexOf("18446")).hasMessageContaining("too large");
    }

    @Test
    void metadataValuesMustBeStrings() throws IOException {
        String h = "{\"__metadata__\":{\"ok\":\"1\",\"n\":2},\"b\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        refused(file(h, new byte[1]), 8 + h.indexOf("2}"))
                .hasMessageContaining("__metadata__ value of \"n\" must be a string, found the number 2");
        String arr = "{\"__metadata__\":[\"x\"]}";
        refused(file(arr, new byte[0]), 8 + arr.indexOf('[')).hasMessageContaining("__metadata__ must be an object");
        String nested = "{\"__metadata__\":{\"o\":{}}}";
        refused(file(nested, new byte[0]), 8 + nested.indexOf("{}")).hasMessageContaining("must be a string");
        try (ModelSource m = open(write(dir, "null.safetensors", file("{\"__metadata__\":null}", new byte[0])))) {
            assertThat(m.metadata().values()).isEmpty();
            assertThat(m.tensors()).isEmpty();
        }
    }

    @Test
    void invalidUtf8IsRefusedAtTheBadByte() throws IOException {
        byte[] h = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},\"xx\":{}}".getBytes(StandardCharsets.UTF_8);
        int at = new String(h, StandardCharsets.ISO_8859_1).indexOf("xx");
        h[at] = (byte) 0xC3;
        h[at + 1] = (byte) 0x28; // a lead byte followed by no continuation byte
        refused(file(h, new byte[1]), 8 + at).hasMessageContaining("header is not valid UTF-8");
        byte[] surrogate = "{\"a\":{}, \"XXX\":1}".getBytes(StandardCharsets.UTF_8);
        int s = new String(surrogate, StandardCharsets.ISO_8859_1).indexOf("XXX");
        surrogate[s] = (byte) 0xED; // UTF-8 form of U+D800, which Rust's from_utf8 refuses
        surrogate[s + 1] = (byte) 0xA0;
        surrogate[s + 2] = (byte) 0x80;
        refused(file(surrogate, new byte[0]), 8 + s).hasMessageContaining("not valid UTF-8");
    }

    @Test
    void onlyUtf8JsonIsAccepted() throws IOException {
        String h = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        byte[] bom = ("\uFEFF" + h).getBytes(StandardCharsets.UTF_8);
        refused(file(bom, new byte[1]), 8).hasMessageContaining("byte order mark");
        // valid UTF-8 bytes (NULs included) that Jackson alone would take for UTF-16
        refused(file(h.getBytes(StandardCharsets.UTF_16LE), new byte[1]), 9).hasMessageContaining("NUL byte");
        refused(file(("\0" + h).getBytes(StandardCharsets.UTF_8), new byte[1]), 8).hasMessageContaining("NUL byte");
    }

    @Test
    void duplicateKeysAreRefused() throws IOException {
        String h = "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[1,2]}}";
        Path p = write(dir, "dup.safetensors", file(h, new byte[2]));
        assertThatThrownBy(() -> open(p)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("dup.safetensors: offset ")
                .hasMessageContaining("Duplicate").hasMessageContaining("\"a\"");
        String field = "{\"a\":{\"dtype\":\"U8\",\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        Path q = write(dir, "dupfield.safetensors", file(field, new byte[1]));
        assertThatThrownBy(() -> open(q)).isInstanceOf(BadInputException.class).hasMessageContaining("Duplicate");
        String meta = "{\"__metadata__\":{},\"__metadata__\":{}}";
        Path r = write(dir, "dupmeta.safetensors", file(meta, new byte[0]));
        assertThatThrownBy(() -> open(r)).isInstanceOf(BadInputException.class).hasMessageContaining("Duplicate");
    }

    @Test
    void malformedEntriesAreRefused() throws IOException {
        String[][] cases = {
            {"{\"a\":{\"shape\":[1],\"data_offsets\":[0,1]}}", "tensor 'a': no \"dtype\""},
            {"{\"a\":{\"dtype\":\"U8\",\"data_offsets\":[0,1]}}", "tensor 'a': no \"shape\""},
            {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1]}}", "tensor 'a': no \"data_offsets\""},
            {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1,2]}}", "must hold exactly 2 integers"},
            {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}", "must hold exactly 2 integers, found 1"},
            {"{\"a\":{\"dtype\":\"U8\",\"shape\":[-1],\"data_offsets\":[0,1]}}", "shape -1 is negative"},
            {"{\"a\":{\"dtype\":\"U8\",\"shape\":[1.0],\"data_offsets\":[0,1]}}", "must be a non-negative integer"},
            {"{\"a\":{\"dtype\":\"U8\",\"shape\":\"1\",\"data_offsets\":[0,1]}}", "shape (an array) expected"},
            {"{\"a\":{\"dtype\":8,\"shape\":[1],\"data_offsets\":[0,1]}}", "dtype must be a string"},
            {"{\"a\":[1]}", "tensor 'a': an object with dtype, shape and data_offsets expected"},
            {"[]", "the header (a JSON object) expected, found an array"},
            {"{} x", "invalid JSON"},
            {"{\"__metadata__\":{},}", "invalid JSON"},
            {"{\"\\ud800\":{}}", "surrogate"},
            {"{\"__metadata__\":{\"k\":\"\\udc00\"}}", "surrogate"},
            {"{\"__metadata__\":{\"k\":\"x\\ud800\"}}", "surrogate"},
            {"", "the header (a JSON object) expected, found the end of the document"},
        };
        for (String[] c : cases) {
            Path p = write(dir, "bad.safetensors", file(c[0], new byte[1]));
            assertThatThrownBy(() -> open(p)).as(c[0]).isInstanceOf(BadInputException.class)
                    .hasMessageStartingWith(p.toAbsolutePath() + ": offset ")
                    .hasMessageContaining(c[1]);
        }
    }

    @Test
    void toleratesWhatTheRustReaderTolerates() throws IOException {
        // leading whitespace, padding, unknown fields in an entry, empty and 0-d tensors at one offset
        String h = " \n{\"z\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0],\"extra\":{\"x\":[1,2]}},"
                + "\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"I64\",\"shape\":[5,0],\"data_offsets\":[4,4]}}      ";
        try (ModelSource m = open(write(dir, "lenient.safetensors", file(h, new byte[4])))) {
            assertThat(m.tensors()).extracting(t -> t.info().toString())
                    .containsExactly("z [0] u8", "s [] f32", "e [5, 0] i64");
        }
    }

    @Test
    void anEmptyHeaderIsAValidFileWithoutTensors() throws IOException {
        Path p = write(dir, "empty.safetensors", file("{}", new byte[0]));
        assertThat(READER.detect(p)).isEqualTo(Detection.CONTAINER);
        try (ModelSource m = open(p)) {
            assertThat(m.tensors()).isEmpty();
        }
    }

    @Test
    void detectionNeverThrowsOnOtherFiles() throws IOException {
        byte[][] others = {
            new byte[0], "GGUF\3\0\0\0".getBytes(StandardCharsets.US_ASCII), "{\"a\":1}".getBytes(StandardCharsets.UTF_8),
            file("[1]", new byte[0]), file("  x", new byte[0]), new byte[10_000],
        };
        for (byte[] b : others) {
            Path p = write(dir, "other.bin", b);
            assertThat(READER.detect(p)).isEqualTo(Detection.NONE);
        }
        Path folder = Files.createDirectories(dir.resolve("nothing"));
        write(folder, "notes.txt", "hello".getBytes(StandardCharsets.UTF_8));
        assertThat(READER.detect(folder)).isEqualTo(Detection.NONE);
        assertThatThrownBy(() -> open(folder)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("no *.safetensors weight file");
    }
}
