package org.example.requant.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.Shape;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.SourceTensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class NpyHeaderTest {
    @TempDir
    Path dir;

    // ---- the header the writer produces, built here by hand from the NPY format rules ----

    /**
     * dict: 59 characters; numpy leaves room for the first dimension to grow to 21 digits (20
     * spaces after "2"); a newline ends it. 10 + 59 + 20 + 1 = 90 bytes, padded with spaces to the
     * next multiple of 64: 128, so 38 more spaces and a header length field of 128 - 10 = 118.
     */
    @Test
    void encodesTheHeaderNumpyWritesFor2x3Float32() {
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(HexFormat.of().parseHex("934e554d5059" + "0100" + "7600"));
        expected.writeBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }".getBytes(StandardCharsets.US_ASCII));
        expected.writeBytes(" ".repeat(20 + 38).getBytes(StandardCharsets.US_ASCII));
        expected.write('\n');

        byte[] header = NpyHeader.encode(NpyDtype.F32, Shape.of(2, 3));

        assertThat(header).hasSize(128).isEqualTo(expected.toByteArray());
    }

    /** A 0-d array: shape {@code ()}, no growth room; 10 + 55 + 1 = 66, padded to 128 by 62 spaces. */
    @Test
    void encodesAScalarBoolWithoutGrowthRoom() {
        byte[] header = NpyHeader.encode(NpyDtype.BOOL, Shape.of());

        String text = new String(header, 10, header.length - 10, StandardCharsets.US_ASCII);
        assertThat(header).hasSize(128);
        assertThat(java.util.Arrays.copyOf(header, 10)).isEqualTo(HexFormat.of().parseHex("934e554d505901007600"));
        assertThat(text).isEqualTo("{'descr': '|b1', 'fortran_order': False, 'shape': (), }" + " ".repeat(62) + "\n");
    }

    /** A 1-d shape is written {@code (5,)}, as Python writes a one-element tuple. */
    @Test
    void encodesAOneElementTupleWithItsComma() {
        byte[] header = NpyHeader.encode(NpyDtype.U16, Shape.of(5));

        String text = new String(header, 10, header.length - 10, StandardCharsets.US_ASCII);
        assertThat(text).isEqualTo("{'descr': '<u2', 'fortran_order': False, 'shape': (5,), }"
                + " ".repeat(20 + 40) + "\n");
    }

    /**
     * Shape (1, 10, 10, and eleven 1s): the dict is 97 characters, so 10 + 97 + 20 (growth room)
     * + 1 = 128 ends exactly on a boundary, and numpy then pads a whole 64 more rather than none.
     */
    @Test
    void padsAWhole64WhenTheHeaderAlreadyEndsOnABoundary() {
        Shape shape = Shape.of(1, 10, 10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);

        byte[] header = NpyHeader.encode(NpyDtype.U16, shape);

        String text = new String(header, 10, header.length - 10, StandardCharsets.US_ASCII);
        assertThat(text.indexOf('}') + 1).isEqualTo(97);
        assertThat(header).hasSize(192);
        assertThat(text).endsWith(" ".repeat(20 + 64) + "\n");
    }

    @ParameterizedTest
    @EnumSource(NpyDtype.class)
    void everyHeaderIsAlignedAndReadsBack(NpyDtype dtype) throws IOException {
        for (Shape shape : new Shape[] {Shape.of(), Shape.of(0), Shape.of(7), Shape.of(3, 0, 2), Shape.of(123456789, 1)}) {
            byte[] header = NpyHeader.encode(dtype, shape);
            assertThat(header.length % 64).isZero();
            assertThat(header[header.length - 1]).isEqualTo((byte) '\n');
            if (shape.numel() < 1000) {
                byte[] data = new byte[Math.toIntExact(shape.numel() * dtype.itemSize())];
                Read t = readOne(concat(header, data));
                assertThat(t.info().type()).isEqualTo(dtype.elementType());
                assertThat(t.info().shape()).isEqualTo(shape);
            }
        }
    }

    @Test
    void refusesMoreThan64Dimensions() {
        assertThatThrownBy(() -> NpyHeader.encode(NpyDtype.F32, Shape.of(new long[65])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 64");
    }

    // ---- headers as other writers may have written them ----

    @Test
    void readsTheArrayAndItsBytes() throws IOException {
        byte[] data = new byte[2 * 3 * 4];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) (i * 7);
        }
        Read t = readOne(concat(NpyHeader.encode(NpyDtype.F32, Shape.of(2, 3)), data), "weights.npy");

        assertThat(t.name()).isEqualTo("weights");
        assertThat(t.info().type()).isEqualTo(ElementType.F32);
        assertThat(t.info().shape()).isEqualTo(Shape.of(2, 3));
        assertThat(t.bytes()).isEqualTo(data);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2, 3)}",
        "{\"shape\": (2, 3), \"fortran_order\": False, \"descr\": \"<i4\"}",
        "{ 'descr' : '<i4' ,\n 'fortran_order' : False ,\t'shape' : ( 2 , 3 , ) , }\n",
        "{'descr': '<i4', 'fortran_order': False, 'shape': (2L, 3L), }",
    })
    void readsHeadersInOtherSpellings(String dict) throws IOException {
        Read t = readOne(npy(1, dict, new byte[24]));

        assertThat(t.info().type()).isEqualTo(ElementType.I32);
        assertThat(t.info().shape()).isEqualTo(Shape.of(2, 3));
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 3})
    void readsVersions2And3WithTheirFourByteLength(int major) throws IOException {
        Read t = readOne(npy(major, "{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", new byte[32]));

        assertThat(t.info().type()).isEqualTo(ElementType.F64);
        assertThat(t.info().shape()).isEqualTo(Shape.of(4));
    }

    @ParameterizedTest
    @ValueSource(strings = {"|i1", "<i1", "|u1", "<u1", "|b1", ">b1"})
    void readsOneByteTypesWhateverTheirByteOrderMark(String descr) throws IOException {
        Read t = readOne(npy(1, "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (3,), }",
                new byte[3]));

        assertThat(t.info().type()).isEqualTo(NpyDtype.ofDescr("|" + descr.substring(1)).elementType());
    }

    @Test
    void readsEmptyArrays() throws IOException {
        Read t = readOne(npy(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (0, 5), }", new byte[0]));

        assertThat(t.info().shape()).isEqualTo(Shape.of(0, 5));
        assertThat(t.bytes()).isEmpty();
    }

    // ---- refusals: file and offset of the first wrong byte ----

    @Test
    void refusesBigEndianAtItsDescr() throws IOException {
        String dict = "{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }";

        assertRefused(npy(1, dict, new byte[8]), 10 + dict.indexOf("'>f4'"), "big-endian");
    }

    @Test
    void refusesFortranOrderAtItsValue() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }";

        assertRefused(npy(1, dict, new byte[24]), 10 + dict.indexOf("True"), "fortran_order is True");
    }

    @Test
    void refusesStructuredDtypes() throws IOException {
        String dict = "{'descr': [('x', '<f4'), ('y', '<i4')], 'fortran_order': False, 'shape': (1,), }";

        assertRefused(npy(1, dict, new byte[8]), 10 + dict.indexOf('['), "structured dtype");
    }

    @ParameterizedTest
    @ValueSource(strings = {"<c8", "<M8[ns]", "=f4", "|f4", "<U5", "O", "<f16"})
    void refusesUnsupportedDtypes(String descr) throws IOException {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (), }";

        assertRefused(npy(1, dict, new byte[16]), 10 + dict.indexOf("'" + descr), "not supported");
    }

    @Test
    void refusesAFileWithoutMagicAtOffset0() throws IOException {
        byte[] data = concat(NpyHeader.encode(NpyDtype.F32, Shape.of(1)), new byte[4]);
        data[1] = 'X';

        assertRefused(data, 0, "neither a .npy array");
    }

    @Test
    void refusesAnUnknownVersionAtOffset6() throws IOException {
        byte[] data = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", new byte[4]);
        data[6] = 4;

        assertRefused(data, 6, "version 4.0");
    }

    @Test
    void refusesAFileShorterThanTheFixedPrefix() throws IOException {
        assertRefused(java.util.Arrays.copyOf(NpyHeader.MAGIC, 8), 0, "needs 10 bytes but the array has 8 left");
    }

    @Test
    void refusesAHeaderLongerThanTheFile() throws IOException {
        byte[] data = npy(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", new byte[0]);
        byte[] cut = java.util.Arrays.copyOf(data, 30);

        assertRefused(cut, 10, "npy header needs");
    }

    @Test
    void refusesTruncatedDataWhereItStarts() throws IOException {
        byte[] header = NpyHeader.encode(NpyDtype.F32, Shape.of(2, 3));

        assertRefused(concat(header, new byte[23]), header.length, "needs 24 bytes but the array has 23 left");
    }

    @Test
    void refusesBytesAfterTheDataWhereTheyStart() throws IOException {
        byte[] header = NpyHeader.encode(NpyDtype.F32, Shape.of(2, 3));

        assertRefused(concat(header, new byte[25]), header.length + 24, "1 bytes follow");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } x",
        "{'descr': '<f4' 'fortran_order': False, 'shape': (2, 3)}",
        "{'descr': '<f4', 'fortran_order': Nope, 'shape': (2, 3)}",
        "{'descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}",
        "{descr: '<f4', 'fortran_order': False, 'shape': (2, 3)}",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3.5)}",
    })
    void refusesMalformedDicts(String dict) throws IOException {
        assertRefusedSomewhereIn(npy(1, dict, new byte[24]), 10, 10 + dict.length(), "npy header:");
    }

    @Test
    void refusesAMissingKeyAtTheDict() throws IOException {
        assertRefused(npy(1, "{'descr': '<f4', 'shape': (2,)}", new byte[8]), 10, "no 'fortran_order'");
    }

    @Test
    void refusesAnExtraKeyAtTheKey() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': 1}";

        assertRefused(npy(1, dict, new byte[8]), 10 + dict.indexOf("'extra'"), "unexpected key 'extra'");
    }

    @Test
    void refusesAKeyGivenTwice() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'shape': (2,)}";

        assertRefused(npy(1, dict, new byte[8]), 10 + dict.lastIndexOf("'shape'"), "appears twice");
    }

    @Test
    void refusesAShapeThatIsNotATuple() throws IOException {
        // (2) is the integer 2 in Python, not a tuple
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2)}";

        assertRefused(npy(1, dict, new byte[8]), 10 + dict.indexOf("2)"), "shape is not a tuple");
    }

    @Test
    void refusesANegativeDimension() throws IOException {
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, -3)}";

        assertRefused(npy(1, dict, new byte[8]), 10 + dict.indexOf("-3"), "dimension 1 is not a non-negative");
    }

    @Test
    void refusesAShapeTooLargeForAFile() throws IOException {
        String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 2)}";

        assertRefused(npy(1, dict, new byte[8]), 10 + dict.indexOf('('), "more");
    }

    @Test
    void refusesADictThatIsNotADict() throws IOException {
        assertRefused(npy(1, "['descr', '<f4']", new byte[0]), 10, "not a dict");
    }

    // ---- helpers ----

    /** A .npy by hand: magic, version, the dict's length (2 or 4 bytes), the dict, the data. */
    static byte[] npy(int major, String dict, byte[] data) {
        byte[] text = dict.getBytes(StandardCharsets.UTF_8);
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer b = ByteBuffer.allocate(8 + lengthBytes + text.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(NpyHeader.MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            b.putShort((short) text.length);
        } else {
            b.putInt(text.length);
        }
        return b.put(text).put(data).array();
    }

    static byte[] concat(byte[] a, byte[] b) {
        byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    /** What was read, copied out before the mapping is closed. */
    private record Read(String name, TensorInfo info, byte[] bytes) {
    }

    private Read readOne(byte[] file) throws IOException {
        return readOne(file, "array.npy");
    }

    private Read readOne(byte[] file, String name) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, file);
        try (ModelSource m = new NpzReader().open(p, null)) {
            assertThat(m.format()).isEqualTo("npz");
            assertThat(m.tensors()).hasSize(1);
            SourceTensor t = m.tensors().getFirst();
            return new Read(t.name(), t.info(), TestArrays.bytes(t));
        }
    }

    private void assertRefused(byte[] file, long offset, String problem) throws IOException {
        Path p = dir.resolve("bad.npy");
        Files.write(p, file);
        assertThatThrownBy(() -> new NpzReader().open(p, null).close())
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.file()).isEqualTo(p);
                    assertThat(e.offset()).hasValue(offset);
                    assertThat(e.getMessage()).startsWith(p + ": offset " + offset + ": ").contains(problem);
                });
    }

    private void assertRefusedSomewhereIn(byte[] file, long from, long to, String problem) throws IOException {
        Path p = dir.resolve("bad.npy");
        Files.write(p, file);
        assertThatThrownBy(() -> new NpzReader().open(p, null).close())
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.file()).isEqualTo(p);
                    assertThat(e.offset().orElseThrow()).isBetween(from, to);
                    assertThat(e.getMessage()).contains(problem);
                });
    }
}
