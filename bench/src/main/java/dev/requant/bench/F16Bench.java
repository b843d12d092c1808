package dev.requant.bench;

import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.internal.ScalarElementKernels;
import dev.requant.kernels.internal.VectorElementKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * f16 to f32 and back, scalar reference against Vector API. One operation is one byte on the f32
 * side, and the unit is nanoseconds, so the score reads as GB/s of f32 produced or consumed.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class F16Bench {
    @Param({"scalar", "vector"})
    public String impl;

    private ElementKernels kernels;
    private float[] f32;
    private MemorySegment f16;

    @Setup
    public void setUp() {
        kernels = impl.equals("scalar") ? ScalarElementKernels.INSTANCE : VectorElementKernels.INSTANCE;
        f32 = Weights.gaussianRows(Weights.VALUES);
        f16 = Arena.ofAuto().allocate(2L * Weights.VALUES);
        ScalarElementKernels.INSTANCE.writeF16(f32, 0, f16, 0, Weights.VALUES);
    }

    @Benchmark
    @OperationsPerInvocation(4 * Weights.VALUES)
    public float[] readF16() {
        kernels.readF16(f16, 0, f32, 0, Weights.VALUES);
        return f32;
    }

    @Benchmark
    @OperationsPerInvocation(4 * Weights.VALUES)
    public MemorySegment writeF16() {
        kernels.writeF16(f32, 0, f16, 0, Weights.VALUES);
        return f16;
    }
}
