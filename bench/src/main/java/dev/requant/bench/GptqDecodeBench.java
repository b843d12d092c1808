package dev.requant.bench;

import dev.requant.plugins.gptq.GptqScheme;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The gptq plugin's decoder on a 4-bit act-order layer of a 7B-class model ({@code [4096, 4096]},
 * groups of 128, {@code g_idx} a random permutation's groups), as the host calls it: 16 or 256
 * output rows per call from native memory. {@code scalar*} runs with
 * {@code -Drequant.kernels=scalar}, {@code vector*} with the Vector API kernels. One operation is
 * one byte of f32 produced and the unit is nanoseconds, so the score reads as GB/s of f32.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class GptqDecodeBench {
    private static final int OUT = 4096;
    private static final int IN = 4096;
    private static final int GROUP = 128;

    /** 16 rows: 256 KiB of f32, which stays in the L2 cache. */
    private static final int FEW = 16;
    /** 256 rows: the host's chunk of about 1 Mi values (4 MiB of f32). */
    private static final int CHUNK = 256;

    private final GptqScheme scheme = new GptqScheme();
    private StoredTensor tensor;
    private float[] dst;
    private long next;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom rnd = new SplittableRandom(7);
        Arena arena = Arena.ofAuto();
        int groups = IN / GROUP;
        MemorySegment qweight = randomInts(arena, (long) IN / 8 * OUT, rnd);
        MemorySegment qzeros = randomInts(arena, (long) groups * OUT / 8, rnd);
        MemorySegment scales = arena.allocate(2L * groups * OUT);
        for (long i = 0; i < (long) groups * OUT; i++) {
            scales.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), i, Float.floatToFloat16((float) (0.001 + 0.01 * rnd.nextDouble())));
        }
        // act-order: groups are formed in a permuted column order, so g_idx scatters them
        int[] perm = new int[IN];
        for (int k = 0; k < IN; k++) {
            perm[k] = k;
        }
        for (int k = IN - 1; k > 0; k--) {
            int j = rnd.nextInt(k + 1);
            int t = perm[k];
            perm[k] = perm[j];
            perm[j] = t;
        }
        MemorySegment gIdx = arena.allocate(4L * IN);
        for (int k = 0; k < IN; k++) {
            gIdx.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), perm[k], k / GROUP);
        }
        Encoding gptq = scheme.encoding(Map.of("bits", "4", "group", Integer.toString(GROUP), "desc_act", "true",
                "sym", "false", "format", "v2"));
        tensor = new StoredTensor(new TensorInfo("w", Shape.of(OUT, IN), gptq), List.of(
                part("qweight", ElementType.I32, Shape.of(IN / 8, OUT), qweight),
                part("qzeros", ElementType.I32, Shape.of(groups, OUT / 8), qzeros),
                part("scales", ElementType.F16, Shape.of(groups, OUT), scales),
                part("g_idx", ElementType.I32, Shape.of(IN), gIdx)));
        dst = new float[CHUNK * IN];
    }

    private static MemorySegment randomInts(Arena arena, long count, SplittableRandom rnd) {
        MemorySegment s = arena.allocate(4 * count);
        for (long i = 0; i < count; i++) {
            s.setAtIndex(ValueLayout.JAVA_INT_UNALIGNED, i, rnd.nextInt());
        }
        return s;
    }

    private static TensorPart part(String role, ElementType dtype, Shape shape, MemorySegment data) {
        return new TensorPart(new PartSpec(role, dtype, shape), data.asReadOnly());
    }

    /** Rows in turn, as a conversion walks a tensor. */
    private float[] decodeNext(int rows) {
        scheme.decode(tensor, next, rows, dst, 0);
        next = (next + rows) % OUT;
        return dst;
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Drequant.kernels=scalar"})
    @OperationsPerInvocation(4 * FEW * IN)
    public float[] scalarRows16() {
        return decodeNext(FEW);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
    @OperationsPerInvocation(4 * FEW * IN)
    public float[] vectorRows16() {
        return decodeNext(FEW);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Drequant.kernels=scalar"})
    @OperationsPerInvocation(4 * CHUNK * IN)
    public float[] scalarRows256() {
        return decodeNext(CHUNK);
    }

    @Benchmark
    @Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
    @OperationsPerInvocation(4 * CHUNK * IN)
    public float[] vectorRows256() {
        return decodeNext(CHUNK);
    }
}
