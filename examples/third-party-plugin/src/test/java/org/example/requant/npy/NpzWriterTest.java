package org.example.requant.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.example.requant.npy.TestArrays.info;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PartSpec;
import dev.requant.spi.PlannedTensor;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpzWriterTest {
    /** One array of every dtype, with the shapes that need care: 0-d, empty, 1-d, n-d. */
    static final List<TensorInfo> ALL_TYPES = List.of(
            info("model.embed.weight", ElementType.F32, 33, 17),
            info("half", ElementType.F16, 5, 3, 2),
            info("double", ElementType.F64, 9),
            info("i8", ElementType.I8, 4, 4),
            info("i16", ElementType.I16, 7),
            info("i32", ElementType.I32, 2, 2, 2, 2),
            info("i64", ElementType.I64, 3),
            info("u8", ElementType.U8, 100),
            info("u16", ElementType.U16, 6, 1),
            info("u32", ElementType.U32, 5),
            info("u64", ElementType.U64, 2),
            info("mask", ElementType.BOOL, 3, 5),
            info("scalar", ElementType.F32),
            info("empty", ElementType.F16, 0, 8),
            info("layers/0/a b:c", ElementType.F32, 2),
            info("grüße", ElementType.I32, 3));

    @TempDir
    Path dir;

    private final NpzWriter writer = new NpzWriter();

    @Test
    void writesArraysThatReadBackWithTheSameNamesTypesShapesAndBytes() throws Exception {
        Path out = dir.resolve("model.npz");
        List<byte[]> data = TestArrays.contents(ALL_TYPES);

        write(out, ALL_TYPES, data, NpzLayout.ZIP64_LIMIT);

        assertReadsBack(out, ALL_TYPES, data);
    }

    @Test
    void javasZipReadersAgreeOnNamesSizesAndCrcs() throws Exception {
        Path out = dir.resolve("model.npz");
        List<byte[]> data = TestArrays.contents(ALL_TYPES);
        write(out, ALL_TYPES, data, NpzLayout.ZIP64_LIMIT);

        assertJavaZipReads(out, ALL_TYPES, data);
    }

    @Test
    void smallArchivesUseNoZip64AndNeedVersion20() throws Exception {
        Path out = dir.resolve("model.npz");
        write(out, ALL_TYPES, TestArrays.contents(ALL_TYPES), NpzLayout.ZIP64_LIMIT);
        byte[] file = Files.readAllBytes(out);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);

        assertThat(b.getInt(0)).isEqualTo(Zip.LOCAL_HEADER_SIG);
        assertThat(b.getShort(4)).isEqualTo((short) 20);
        assertThat(b.getShort(6)).isZero(); // no data descriptor, no encryption, ASCII name
        assertThat(b.getShort(8)).isZero(); // STORED
        assertThat(indexOf(file, le(Zip.ZIP64_END_SIG))).isEqualTo(-1);
        assertThat(indexOf(file, le(Zip.ZIP64_LOCATOR_SIG))).isEqualTo(-1);
        // the end record closes the file, without a comment
        assertThat(b.getInt(file.length - 22)).isEqualTo(Zip.END_SIG);
        assertThat(b.getShort(file.length - 12)).isEqualTo((short) ALL_TYPES.size());
    }

    /** The ZIP64 threshold lowered to 0 puts every size, offset and count in ZIP64 fields. */
    @Test
    void zip64FieldsAreReadByOurReaderAndByJava() throws Exception {
        Path out = dir.resolve("zip64.npz");
        List<byte[]> data = TestArrays.contents(ALL_TYPES);
        write(out, ALL_TYPES, data, 0);

        byte[] file = Files.readAllBytes(out);
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(b.getShort(4)).isEqualTo((short) 45);
        assertThat(b.getInt(18)).isEqualTo(-1); // sizes deferred to the ZIP64 extra field
        assertThat(b.getInt(file.length - 22 - 20)).isEqualTo(Zip.ZIP64_LOCATOR_SIG);
        assertThat(b.getInt(file.length - 22 - 20 - 56)).isEqualTo(Zip.ZIP64_END_SIG);
        assertThat(b.getShort(file.length - 12)).isEqualTo((short) 0xFFFF);
        assertThat(b.getInt(file.length - 6)).isEqualTo(-1);

        assertReadsBack(out, ALL_TYPES, data);
        assertJavaZipReads(out, ALL_TYPES, data);
    }

    @Test
    void equalInputsGiveEqualArchivesWhateverTheWriteOrder() throws Exception {
        List<byte[]> data = TestArrays.contents(ALL_TYPES);
        Path a = dir.resolve("a.npz");
        Path b = dir.resolve("b.npz");
        ModelSink first = writer.create(a, TestArrays.plan(ALL_TYPES), Map.of());
        TestArrays.write(first, data, 7, 1);
        first.commit();
        ModelSink second = writer.create(b, TestArrays.plan(ALL_TYPES), Map.of());
        TestArrays.write(second, data, 64, 2);
        second.commit();

        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    }

    @Test
    void anEmptyPlanGivesAnEmptyArchive() throws Exception {
        Path out = dir.resolve("empty.npz");
        write(out, List.of(), List.of(), NpzLayout.ZIP64_LIMIT);

        assertThat(Files.size(out)).isEqualTo(22);
        try (ZipFile zip = new ZipFile(out.toFile())) {
            assertThat(zip.size()).isZero();
        }
        try (ModelSource m = new NpzReader().open(out, null)) {
            assertThat(m.tensors()).isEmpty();
        }
    }

    @Test
    void nothingIsVisibleBeforeCommitAndAbortLeavesNothing() throws Exception {
        Path out = dir.resolve("model.npz");
        List<byte[]> data = TestArrays.contents(ALL_TYPES);
        ModelSink sink = writer.create(out, TestArrays.plan(ALL_TYPES), Map.of());
        TestArrays.write(sink, data, 16, 3);

        assertThat(out).doesNotExist();
        sink.abort();
        sink.abort();

        assertThat(listing()).isEmpty();
        assertThatThrownBy(() -> TestArrays.writeWhole(sink, 0, data.get(0)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("aborted");
    }

    @Test
    void commitRefusesAnArrayWithBytesNeverWritten() throws Exception {
        Path out = dir.resolve("model.npz");
        List<TensorInfo> infos = List.of(info("a", ElementType.F32, 4), info("b", ElementType.F32, 8));
        ModelSink sink = writer.create(out, TestArrays.plan(infos), Map.of());
        TestArrays.writeWhole(sink, 0, new byte[16]);
        sink.write(1, 0, 0, MemorySegment.ofArray(new byte[8]));
        sink.write(1, 0, 16, MemorySegment.ofArray(new byte[16]));

        assertThatThrownBy(sink::commit).isInstanceOf(IllegalStateException.class)
                .hasMessage("tensor b: bytes [8, 16) were never written");
        sink.abort();
        assertThat(listing()).isEmpty();
    }

    @Test
    void commitRefusesAnArrayWhoseTailWasNeverWritten() throws Exception {
        ModelSink sink = writer.create(dir.resolve("m.npz"), TestArrays.plan(List.of(info("a", ElementType.U8, 10))),
                Map.of());
        sink.write(0, 0, 0, MemorySegment.ofArray(new byte[9]));

        assertThatThrownBy(sink::commit).hasMessage("tensor a: bytes [9, 10) were never written");
        sink.abort();
    }

    @Test
    void overlappingWritesAreRefused() throws Exception {
        ModelSink sink = writer.create(dir.resolve("m.npz"), TestArrays.plan(List.of(info("a", ElementType.U8, 10))),
                Map.of());
        sink.write(0, 0, 0, MemorySegment.ofArray(new byte[6]));
        sink.write(0, 0, 4, MemorySegment.ofArray(new byte[6]));
        assertThatThrownBy(() -> sink.write(0, 0, 0, MemorySegment.ofArray(new byte[2])))
                .hasMessage("tensor a: bytes at offset 0 written twice");

        assertThatThrownBy(sink::commit).hasMessage("tensor a: bytes at offset 4 overlap an earlier write");
        sink.abort();
        assertThat(listing()).isEmpty();
    }

    @Test
    void writesOutsideAnArrayAreRefused() throws Exception {
        ModelSink sink = writer.create(dir.resolve("m.npz"), TestArrays.plan(List.of(info("a", ElementType.U8, 10))),
                Map.of());

        assertThatThrownBy(() -> sink.write(0, 0, 8, MemorySegment.ofArray(new byte[3])))
                .isInstanceOf(IndexOutOfBoundsException.class).hasMessageContaining("bytes [8, 11) outside its 10");
        assertThatThrownBy(() -> sink.write(1, 0, 0, MemorySegment.ofArray(new byte[1])))
                .isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> sink.write(0, 1, 0, MemorySegment.ofArray(new byte[1])))
                .isInstanceOf(IndexOutOfBoundsException.class);
        sink.abort();
    }

    @Test
    void aCommittedSinkTakesNoMoreWrites() throws Exception {
        Path out = dir.resolve("m.npz");
        ModelSink sink = writer.create(out, TestArrays.plan(List.of(info("a", ElementType.U8, 1))), Map.of());
        TestArrays.writeWhole(sink, 0, new byte[] {5});
        sink.commit();
        sink.abort(); // no effect after a commit

        assertThat(out).exists();
        assertThat(listing()).containsExactly("m.npz");
        assertThatThrownBy(() -> TestArrays.writeWhole(sink, 0, new byte[] {5}))
                .hasMessageContaining("committed");
    }

    @Test
    void acceptsNpzPathsOnly() {
        assertThat(writer.accepts(Path.of("out/model.npz"))).isTrue();
        assertThat(writer.accepts(Path.of("MODEL.NPZ"))).isTrue();
        assertThat(writer.accepts(Path.of("model.npy"))).isFalse();
        assertThat(writer.accepts(Path.of("model.safetensors"))).isFalse();
        assertThat(writer.accepts(Path.of("npz"))).isFalse();
    }

    @Test
    void storesTheTwelveNumpyTypesOnly() {
        for (ElementType t : ElementType.values()) {
            boolean numpy = switch (t) {
                case BOOL, I8, U8, I16, U16, F16, I32, U32, F32, I64, U64, F64 -> true;
                default -> false;
            };
            assertThat(writer.canStore(t)).as(t.id()).isEqualTo(numpy);
        }
        assertThat(writer.canStore(Encoding.of("q8_0"))).isFalse();
    }

    @Test
    void refusesPlansItCannotStoreNamingTheTensor() throws IOException {
        TensorInfo q = new TensorInfo("blk.0.w", Shape.of(32), Encoding.of("q8_0"));
        PlannedTensor quantized = new PlannedTensor(q, List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(34))));
        TensorInfo two = info("gptq.w", ElementType.I32, 4);
        PlannedTensor twoParts = new PlannedTensor(two, List.of(new PartSpec("qweight", ElementType.I32, Shape.of(4)),
                new PartSpec("scales", ElementType.F16, Shape.of(2))));

        assertRefused(List.of(quantized), "tensor blk.0.w: type q8_0 cannot be stored");
        assertRefused(List.of(TestArrays.planned(info("bf", ElementType.BF16, 2))), "tensor bf: type bf16");
        assertRefused(List.of(twoParts), "tensor gptq.w: .npz stores one plain array per tensor");
        assertRefused(List.of(TestArrays.planned(info("deep", ElementType.F32, new long[65]))),
                "tensor deep: rank 65");
        assertRefused(List.of(TestArrays.planned(info("x", ElementType.F32, 1)),
                TestArrays.planned(info("x", ElementType.F16, 1))), "tensor x appears twice");
        assertThatThrownBy(() -> writer.create(dir.resolve("m.npz"), TestArrays.plan(List.of()), Map.of("level", "9")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("[level]");
        assertThat(listing()).isEmpty();
    }

    // ---- helpers ----

    private void assertRefused(List<PlannedTensor> tensors, String message) {
        OutputPlan plan = new OutputPlan(new Metadata(), tensors, Optional.empty());
        assertThatThrownBy(() -> writer.create(dir.resolve("m.npz"), plan, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    private static void write(Path out, List<TensorInfo> infos, List<byte[]> data, long zip64Threshold)
            throws Exception {
        ModelSink sink = NpzSink.create(out, NpzLayout.of(TestArrays.plan(infos), zip64Threshold));
        TestArrays.write(sink, data, 13, 42);
        sink.commit();
    }

    static void assertReadsBack(Path npz, List<TensorInfo> infos, List<byte[]> data) throws IOException {
        try (ModelSource m = new NpzReader().open(npz, null)) {
            List<SourceTensor> tensors = m.tensors();
            assertThat(tensors).extracting(SourceTensor::info).containsExactlyElementsOf(infos);
            for (int i = 0; i < infos.size(); i++) {
                assertThat(TestArrays.bytes(tensors.get(i))).as(infos.get(i).name()).isEqualTo(data.get(i));
            }
        }
    }

    /**
     * The JDK's two ZIP readers: ZipFile reads the central directory, ZipInputStream walks the
     * local headers and checks every STORED member's size and CRC-32 against them.
     */
    static void assertJavaZipReads(Path npz, List<TensorInfo> infos, List<byte[]> data) throws IOException {
        List<String> names = infos.stream().map(i -> i.name() + ".npy").toList();
        List<String> central = new ArrayList<>();
        try (ZipFile zip = new ZipFile(npz.toFile(), StandardCharsets.UTF_8)) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                ZipEntry entry = e.nextElement();
                central.add(entry.getName());
                int i = names.indexOf(entry.getName());
                byte[] member = expectedMember(infos.get(i), data.get(i));
                assertThat(entry.getMethod()).isEqualTo(ZipEntry.STORED);
                assertThat(entry.getSize()).isEqualTo(member.length);
                assertThat(entry.getCrc()).isEqualTo(crc(member));
                try (InputStream in = zip.getInputStream(entry)) {
                    assertThat(in.readAllBytes()).isEqualTo(member);
                }
            }
        }
        assertThat(central).containsExactlyElementsOf(names);
        List<String> local = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(npz), StandardCharsets.UTF_8)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                local.add(e.getName());
                int i = names.indexOf(e.getName());
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                in.transferTo(bytes);
                assertThat(bytes.toByteArray()).isEqualTo(expectedMember(infos.get(i), data.get(i)));
            }
        }
        assertThat(local).containsExactlyElementsOf(names);
    }

    private static byte[] expectedMember(TensorInfo info, byte[] data) {
        ElementType type = (ElementType) info.type();
        return NpyHeaderTest.concat(NpyHeader.encode(NpyDtype.of(type).orElseThrow(), info.shape()), data);
    }

    private static long crc(byte[] b) {
        CRC32 c = new CRC32();
        c.update(b);
        return c.getValue();
    }

    static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private List<String> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }
}
