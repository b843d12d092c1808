package org.example.requant.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.example.requant.npy.NpzWriterTest.indexOf;
import static org.example.requant.npy.TestArrays.info;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.Shape;
import dev.requant.spi.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpzReaderTest {
    private static final List<TensorInfo> TWO = List.of(info("a", ElementType.F32, 2, 3), info("b", ElementType.U8, 5));

    @TempDir
    Path dir;

    private final NpzReader reader = new NpzReader();

    // ---- detection ----

    @Test
    void detectsArchivesAndArraysByContent() throws Exception {
        Path npz = ours("model.bin", TWO);
        Path npy = dir.resolve("x.weights");
        Files.write(npy, NpyHeaderTest.concat(NpyHeader.encode(NpyDtype.F32, Shape.of(1)), new byte[4]));

        assertThat(reader.detect(npz)).isEqualTo(Detection.CONTAINER);
        assertThat(reader.detect(npy)).isEqualTo(Detection.CONTAINER);
    }

    @Test
    void detectsNothingElse() throws Exception {
        Path garbage = write("garbage.npz", randomBytes(3000, 1));
        Path empty = write("empty.npz", new byte[0]);
        Path shortZip = write("short.npz", new byte[] {'P', 'K', 3, 4, 0});
        Path otherZip = write("docs.zip", zip(Map.of("readme.txt", "hello".getBytes(StandardCharsets.UTF_8)), false));
        Path emptyArchive = ours("none.npz", List.of());

        assertThat(reader.detect(garbage)).isEqualTo(Detection.NONE);
        assertThat(reader.detect(empty)).isEqualTo(Detection.NONE);
        assertThat(reader.detect(shortZip)).isEqualTo(Detection.NONE);
        assertThat(reader.detect(otherZip)).isEqualTo(Detection.NONE);
        assertThat(reader.detect(emptyArchive)).isEqualTo(Detection.NONE);
        assertThat(reader.detect(dir)).isEqualTo(Detection.NONE);
        assertThat(reader.detect(dir.resolve("missing.npz"))).isEqualTo(Detection.NONE);
    }

    // ---- archives written by another ZIP writer ----

    @Test
    void readsStoredMembersFromJavasZipWriter() throws Exception {
        byte[] a = NpyHeaderTest.npy(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (3,), }", new byte[] {1, 0, 2, 0, 3, 0});
        byte[] b = NpyHeaderTest.npy(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (), }", new byte[] {1});
        Path npz = write("j.npz", zip(orderedMap("first.npy", a, "second.npy", b), false));

        try (ModelSource m = reader.open(npz, null)) {
            assertThat(m.tensors()).extracting(t -> t.info().toString())
                    .containsExactly("first [3] i16", "second [] bool");
            assertThat(TestArrays.bytes(m.tensors().get(0))).containsExactly(1, 0, 2, 0, 3, 0);
        }
    }

    @Test
    void refusesDeflatedMembersSayingHowToResave() throws Exception {
        byte[] a = NpyHeaderTest.concat(NpyHeader.encode(NpyDtype.F32, Shape.of(4)), new byte[16]);
        Path npz = write("c.npz", zip(Map.of("a.npy", a), true));

        assertRefused(npz, 0, "member a.npy is DEFLATE-compressed (numpy.savez_compressed writes these)");
        assertRefused(npz, 0, "save with numpy.savez instead");
    }

    @Test
    void refusesMembersThatAreNotArrays() throws Exception {
        Path npz = write("m.npz", zip(Map.of("readme.txt", new byte[3]), false));

        assertRefused(npz, 0, "member 'readme.txt' is not a .npy array");
    }

    @Test
    void refusesAMemberWithoutNpyMagicWhereItsDataStarts() throws Exception {
        Path npz = write("m.npz", zip(Map.of("a.npy", "not an array at all".getBytes(StandardCharsets.US_ASCII)), false));

        assertRefused(npz, 30 + "a.npy".length(), "not a .npy array: it does not start with");
    }

    @Test
    void refusesBigEndianAndFortranMembersAtTheirHeaderValues() throws Exception {
        String big = "{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }";
        Path npzBig = write("big.npz", zip(Map.of("x.npy", NpyHeaderTest.npy(1, big, new byte[8])), false));
        long dataStart = 30 + "x.npy".length();
        assertRefused(npzBig, dataStart + 10 + big.indexOf("'>f8'"), "is big-endian");

        String fortran = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }";
        Path npzF = write("f.npz", zip(Map.of("x.npy", NpyHeaderTest.npy(1, fortran, new byte[32])), false));
        assertRefused(npzF, dataStart + 10 + fortran.indexOf("True"), "column-major");
    }

    @Test
    void refusesAMemberWithBytesAfterItsArray() throws Exception {
        byte[] header = NpyHeader.encode(NpyDtype.U8, Shape.of(3));
        Path npz = write("o.npz", zip(Map.of("x.npy", NpyHeaderTest.concat(header, new byte[4])), false));

        assertRefused(npz, 30 + "x.npy".length() + header.length + 3, "1 bytes follow the 3 bytes");
    }

    // ---- damaged archives ----

    @ParameterizedTest
    @ValueSource(ints = {1, 21, 22, 100, 200, 300})
    void refusesTruncatedArchives(int cut) throws Exception {
        byte[] whole = Files.readAllBytes(ours("m.npz", TWO));
        Path truncated = write("t.npz", Arrays.copyOf(whole, whole.length - cut));

        assertThatThrownBy(() -> reader.open(truncated, null).close())
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.file()).isEqualTo(truncated);
                    assertThat(e.offset()).isPresent();
                    assertThat(e.getMessage()).containsAnyOf("no ZIP end of central directory record",
                            "not a ZIP archive");
                });
    }

    @Test
    void refusesAnArchiveCutBeforeItsLastArray() throws Exception {
        byte[] whole = Files.readAllBytes(ours("m.npz", TWO));
        // keep the end records but lose bytes of the arrays: the central directory moves below its recorded offset
        byte[] tail = Arrays.copyOfRange(whole, whole.length - 150, whole.length);
        Path cut = write("t.npz", NpyHeaderTest.concat(Arrays.copyOf(whole, 160), tail));

        assertThatThrownBy(() -> reader.open(cut, null).close()).isInstanceOf(BadInputException.class)
                .hasMessageStartingWith(cut + ": offset ");
    }

    @Test
    void refusesBytesAppendedAfterTheEndRecord() throws Exception {
        byte[] whole = Files.readAllBytes(ours("m.npz", TWO));
        Path longer = write("l.npz", NpyHeaderTest.concat(whole, new byte[] {0, 0, 0}));

        assertRefused(longer, whole.length + 3 - 22, "no ZIP end of central directory record");
    }

    @Test
    void refusesGarbage() throws Exception {
        byte[] noise = randomBytes(5000, 3);
        noise[0] = 'P';
        noise[1] = 'K';
        assertRefused(write("g.npz", noise), 5000 - 22, "no ZIP end of central directory record");
        assertRefused(write("h.npz", randomBytes(10, 4)), 0, "neither a .npy array");
        assertRefused(write("i.npz", new byte[] {'P', 'K', 5, 6}), 0, "not a ZIP archive: 4 bytes");
    }

    @Test
    void refusesADuplicateName() throws Exception {
        byte[] file = Files.readAllBytes(ours("m.npz", List.of(info("a", ElementType.U8, 1), info("b", ElementType.U8, 1))));
        byte[] b = "b.npy".getBytes(StandardCharsets.US_ASCII);
        int local = indexOf(file, b);
        int central = local + 1 + indexOf(Arrays.copyOfRange(file, local + 1, file.length), b);
        file[local] = 'a';
        file[central] = 'a';
        Path dup = write("d.npz", file);

        assertRefused(dup, local - 30, "member 'a.npy' appears twice");
    }

    @Test
    void refusesLocalAndCentralNamesThatDiffer() throws Exception {
        byte[] file = Files.readAllBytes(ours("m.npz", TWO));
        file[30] = 'z'; // first local header's name: "a.npy" -> "z.npy"

        assertRefused(write("n.npz", file), 30, "local header names a member 'z.npy' where the central directory says 'a.npy'");
    }

    @Test
    void refusesADamagedCentralHeader() throws Exception {
        byte[] file = Files.readAllBytes(ours("m.npz", TWO));
        int cd = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(file.length - 6);
        file[cd] = 'X';

        assertRefused(write("c.npz", file), cd, "central directory entry 0 has no central header signature");
    }

    @Test
    void refusesEncryptedAndOtherwiseCompressedMembers() throws Exception {
        byte[] file = Files.readAllBytes(ours("m.npz", TWO));
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int cd = b.getInt(file.length - 6);

        b.putShort(cd + 8, (short) 1);
        assertRefused(write("e.npz", file), 0, "member a.npy is encrypted");

        b.putShort(cd + 8, (short) 0);
        b.putShort(cd + 10, (short) 12);
        assertRefused(write("z.npz", file), 0, "member a.npy uses compression method 12");
    }

    @Test
    void refusesAMemberRunningIntoTheCentralDirectory() throws Exception {
        byte[] file = Files.readAllBytes(ours("m.npz", TWO));
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int cd = b.getInt(file.length - 6);
        int secondCentral = cd + 46 + "a.npy".length();
        int size = b.getInt(secondCentral + 24);
        b.putInt(secondCentral + 20, size + 1000).putInt(secondCentral + 24, size + 1000);
        int secondLocal = b.getInt(secondCentral + 42);

        assertRefused(write("r.npz", file), secondLocal + 30 + "b.npy".length(), "run past the central directory");
    }

    @Test
    void refusesAZip64LocatorPointingNowhere() throws Exception {
        Path npz = dir.resolve("z64.npz");
        ModelSink sink = NpzSink.create(npz, NpzLayout.of(TestArrays.plan(TWO), 0));
        TestArrays.write(sink, TestArrays.contents(TWO), 8, 1);
        sink.commit();
        byte[] file = Files.readAllBytes(npz);
        int locator = file.length - 22 - 20;
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(locator + 8, 3);

        assertRefused(write("bad64.npz", file), locator + 8, "where there is no ZIP64 end record");
    }

    @Test
    void refusesMultiDiskArchives() throws Exception {
        byte[] file = Files.readAllBytes(ours("m.npz", TWO));
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putShort(file.length - 18, (short) 1);

        assertRefused(write("disk.npz", file), file.length - 18, "several disks");
    }

    // ---- helpers ----

    private Path ours(String name, List<TensorInfo> infos) throws Exception {
        Path p = dir.resolve(name);
        ModelSink sink = new NpzWriter().create(p, TestArrays.plan(infos), Map.of());
        TestArrays.write(sink, TestArrays.contents(infos), 8, 1);
        sink.commit();
        return p;
    }

    private Path write(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static Map<String, byte[]> orderedMap(String k1, byte[] v1, String k2, byte[] v2) {
        var m = new java.util.LinkedHashMap<String, byte[]>();
        m.put(k1, v1);
        m.put(k2, v2);
        return m;
    }

    /** An archive by the JDK's ZIP writer, members STORED (sizes and CRC given up front) or DEFLATED. */
    static byte[] zip(Map<String, byte[]> members, boolean deflate) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream out = new ZipOutputStream(bytes)) {
            for (var m : members.entrySet()) {
                ZipEntry e = new ZipEntry(m.getKey());
                if (!deflate) {
                    CRC32 crc = new CRC32();
                    crc.update(m.getValue());
                    e.setMethod(ZipEntry.STORED);
                    e.setSize(m.getValue().length);
                    e.setCompressedSize(m.getValue().length);
                    e.setCrc(crc.getValue());
                }
                out.putNextEntry(e);
                out.write(m.getValue());
                out.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    private void assertRefused(Path file, long offset, String problem) {
        assertThatThrownBy(() -> reader.open(file, null).close())
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    assertThat(e.file()).isEqualTo(file);
                    assertThat(e.offset()).hasValue(offset);
                    assertThat(e.getMessage()).startsWith(file + ": offset " + offset + ": ").contains(problem);
                });
    }
}
