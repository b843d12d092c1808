package org.example.requant.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.example.requant.npy.TestArrays.info;

import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real archive past 4 GiB, where ZIP64 is needed rather than forced: writes about 4.3 GB to the
 * temp folder, so it runs only with {@code -Dnpz.large=true}. The small-threshold tests of
 * {@link NpzWriterTest} cover the same code paths quickly.
 */
@EnabledIfSystemProperty(named = "npz.large", matches = "true")
class LargeArchiveTest {
    private static final long BIG = (4L << 30) + 100;
    private static final int CHUNK = 64 << 20;

    @TempDir
    Path dir;

    @Test
    void anArchiveBeyond4GiBUsesZip64AndReadsBack() throws Exception {
        List<TensorInfo> infos = List.of(info("big", ElementType.U8, BIG), info("after", ElementType.I16, 3));
        Path npz = dir.resolve("large.npz");
        ModelSink sink = new NpzWriter().create(npz, TestArrays.plan(infos), Map.of());
        byte[] pattern = new byte[CHUNK];
        for (int i = 0; i < CHUNK; i++) {
            pattern[i] = (byte) (i * 31 + (i >>> 9));
        }
        for (long off = 0; off < BIG; off += CHUNK) {
            long n = Math.min(CHUNK, BIG - off);
            sink.write(0, 0, off, MemorySegment.ofArray(pattern).asSlice(0, n));
        }
        sink.write(1, 0, 0, MemorySegment.ofArray(new byte[] {1, 0, 2, 0, 3, 0}));
        sink.commit();

        try (ModelSource m = new NpzReader().open(npz, null)) {
            assertThat(m.tensors()).extracting(t -> t.info()).containsExactlyElementsOf(infos);
            MemorySegment big = ((StoredTensor) m.tensors().get(0)).parts().getFirst().data();
            long last = BIG - 1;
            assertThat(big.get(ValueLayout.JAVA_BYTE, last)).isEqualTo(pattern[(int) (last % CHUNK)]);
            assertThat(TestArrays.bytes(m.tensors().get(1))).containsExactly(1, 0, 2, 0, 3, 0);
        }
        try (ZipFile zip = new ZipFile(npz.toFile())) {
            ZipEntry e = zip.getEntry("big.npy");
            assertThat(e.getSize()).isEqualTo(NpyHeader.encode(NpyDtype.U8, infos.get(0).shape()).length + BIG);
            try (InputStream in = zip.getInputStream(zip.getEntry("after.npy"))) {
                byte[] member = in.readAllBytes();
                assertThat(member).endsWith(1, 0, 2, 0, 3, 0);
            }
        }
        assertThat(Files.size(npz)).isGreaterThan(1L << 32);
        if (Python.available()) {
            // Python's zipfile reads every member through and checks its CRC-32
            assertThat(Python.script(dir, "import sys, zipfile\nprint(zipfile.ZipFile(sys.argv[1]).testzip())",
                    npz.toString())).containsExactly("None");
        }
    }
}
