package org.example.requant.npy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * NumPy itself on both sides: numpy.load reads what we write (and numpy.save writes the very bytes
 * of our members), and we read what numpy.savez writes. Runs when {@code python3} with numpy is on
 * the PATH; skipped otherwise, with the reason in the test report.
 */
class NumpyInteropTest {
    @TempDir
    Path dir;

    /** Names as numpy reports them, with the dtype and shape it sees, then each array saved by numpy.save. */
    private static final String LOAD = """
            import sys, numpy as np
            npz, out = sys.argv[1], sys.argv[2]
            with np.load(npz) as d:
                for i, k in enumerate(d.files):
                    a = d[k]
                    np.save(f"{out}/{i}.npy", a)
                    print(k, a.dtype.str, ",".join(map(str, a.shape)), sep="\\t")
            """;

    @ParameterizedTest(name = "ZIP64 from {0} bytes on")
    @ValueSource(longs = {NpzLayout.ZIP64_LIMIT, 0})
    void numpyLoadsOurArchivesAndSavesTheSameBytes(long zip64Threshold) throws Exception {
        assumeNumpy();
        List<TensorInfo> infos = NpzWriterTest.ALL_TYPES;
        List<byte[]> data = TestArrays.contents(infos);
        Path npz = dir.resolve("ours.npz");
        ModelSink sink = NpzSink.create(npz, NpzLayout.of(TestArrays.plan(infos), zip64Threshold));
        TestArrays.write(sink, data, 32, 9);
        sink.commit();

        List<String> lines = python(LOAD, npz.toString(), dir.toString());

        assertThat(lines).hasSize(infos.size());
        for (int i = 0; i < infos.size(); i++) {
            TensorInfo info = infos.get(i);
            NpyDtype dtype = NpyDtype.of((ElementType) info.type()).orElseThrow();
            String shape = String.join(",", java.util.Arrays.stream(info.shape().dims()).mapToObj(Long::toString).toList());
            assertThat(lines.get(i)).isEqualTo(info.name() + "\t" + dtype.descr() + "\t" + shape);
            byte[] member = NpyHeaderTest.concat(NpyHeader.encode(dtype, info.shape()), data.get(i));
            assertThat(Files.readAllBytes(dir.resolve(i + ".npy"))).as(info.name()).isEqualTo(member);
        }
    }

    @Test
    void numpyLoadsAnEmptyArchive() throws Exception {
        assumeNumpy();
        Path npz = dir.resolve("none.npz");
        ModelSink sink = new NpzWriter().create(npz, TestArrays.plan(List.of()), java.util.Map.of());
        sink.commit();

        assertThat(python("import sys, numpy as np\nprint(len(np.load(sys.argv[1]).files))", npz.toString()))
                .containsExactly("0");
    }

    /** Arrays numpy writes, each also as raw C-order bytes; then the same arrays in files we refuse. */
    private static final String SAVE = """
            import sys, numpy as np
            out = sys.argv[1]
            g = np.random.default_rng(5)
            a = {
                "model.layers.0.weight": g.standard_normal((3, 4)).astype("<f4"),
                "f16": g.standard_normal((2, 5)).astype("<f2"),
                "f64": g.standard_normal(7),
                "i8": g.integers(-128, 128, 9, dtype="i1"),
                "i16": g.integers(-1000, 1000, (2, 2), dtype="<i2"),
                "i32": g.integers(-10**9, 10**9, 3, dtype="<i4"),
                "i64": g.integers(-10**18, 10**18, 2, dtype="<i8"),
                "u8": g.integers(0, 256, (4, 1), dtype="u1"),
                "u16": g.integers(0, 65536, 3, dtype="<u2"),
                "u32": g.integers(0, 2**32, 3, dtype="<u4"),
                "u64": g.integers(0, 2**63, 3, dtype="<u8"),
                "mask": g.random((2, 3)) > 0.5,
                "scalar": np.array(3.5, dtype="<f4"),
                "empty": np.zeros((0, 3), dtype="<f2"),
                "every other row": g.standard_normal((6, 6)).astype("<f4")[::2],
                "layers/1/w": g.standard_normal((2, 2, 2)).astype("<f4"),
            }
            np.savez(f"{out}/numpy.npz", **a)
            np.savez_compressed(f"{out}/compressed.npz", **a)
            np.save(f"{out}/single.npy", a["f16"])
            np.save(f"{out}/big.npy", a["f16"].astype(">f2"))
            np.save(f"{out}/fortran.npy", np.asfortranarray(a["model.layers.0.weight"]))
            for i, (k, v) in enumerate(a.items()):
                with open(f"{out}/{i}.raw", "wb") as f:
                    f.write(np.ascontiguousarray(v).tobytes())
                print(k, v.dtype.str, ",".join(map(str, v.shape)), sep="\\t")
            """;

    @Test
    void readsWhatNumpyWrites() throws Exception {
        assumeNumpy();
        List<String> expected = python(SAVE, dir.toString());
        NpzReader reader = new NpzReader();
        Path npz = dir.resolve("numpy.npz");

        assertThat(reader.detect(npz)).isEqualTo(Detection.CONTAINER);
        try (ModelSource m = reader.open(npz, null)) {
            List<SourceTensor> tensors = m.tensors();
            assertThat(tensors).hasSize(expected.size());
            for (int i = 0; i < tensors.size(); i++) {
                SourceTensor t = tensors.get(i);
                String[] e = expected.get(i).split("\t", -1);
                NpyDtype dtype = NpyDtype.ofDescr(e[1]);
                Shape shape = Shape.of(e[2].isEmpty() ? new long[0]
                        : java.util.Arrays.stream(e[2].split(",")).mapToLong(Long::parseLong).toArray());
                assertThat(t.info()).isEqualTo(new TensorInfo(e[0], shape, dtype.elementType()));
                assertThat(TestArrays.bytes(t)).as(e[0]).isEqualTo(Files.readAllBytes(dir.resolve(i + ".raw")));
            }
        }
        try (ModelSource m = reader.open(dir.resolve("single.npy"), null)) {
            assertThat(m.tensors()).extracting(t -> t.info().toString()).containsExactly("single [2, 5] f16");
        }
    }

    @Test
    void refusesWhatNumpyWritesThatWeDoNotRead() throws Exception {
        assumeNumpy();
        python(SAVE, dir.toString());
        NpzReader reader = new NpzReader();

        assertThatThrownBy(() -> reader.open(dir.resolve("compressed.npz"), null))
                .isInstanceOf(BadInputException.class).hasMessageContaining("is DEFLATE-compressed");
        Path big = dir.resolve("big.npy");
        long descr = new String(Files.readAllBytes(big), StandardCharsets.ISO_8859_1).indexOf("'>f2'");
        assertThatThrownBy(() -> reader.open(big, null)).isInstanceOfSatisfying(BadInputException.class,
                e -> assertThat(e.getMessage()).startsWith(big + ": offset " + descr + ": dtype '>f2' is big-endian"));
        assertThatThrownBy(() -> reader.open(dir.resolve("fortran.npy"), null))
                .isInstanceOf(BadInputException.class).hasMessageContaining("fortran_order is True");
    }

    private static void assumeNumpy() {
        assumeTrue(Python.numpy().isPresent(), "python3 with numpy is not available: numpy interoperability not checked");
    }

    private List<String> python(String script, String... args) throws Exception {
        return Python.script(dir, script, args);
    }
}
