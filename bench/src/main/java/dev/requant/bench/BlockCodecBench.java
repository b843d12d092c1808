package dev.requant.bench;

import dev.requant.kernels.ggml.BlockCodec;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.kernels.internal.ggml.GgmlCodecs;
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
 * ggml block quantization and dequantization, scalar reference against Vector API. One
 * operation is one byte on the f32 side, and the unit is nanoseconds, so the score reads as GB/s
 * of f32 quantized or produced. Warm-up iterations are 2 s: the lane searches of the K-quants
 * and IQ4 are large methods that C2 takes a few seconds to compile.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 1)
public class BlockCodecBench {
    @Param({"q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k", "q5_k", "q6_k", "iq4_nl", "iq4_xs", "tq1_0",
        "tq2_0", "mxfp4"})
    public String type;

    @Param({"scalar", "vector"})
    public String impl;

    private float[] f32;
    private MemorySegment blocks;
    private BlockCodec codec;

    @Setup
    public void setUp() {
        GgmlType t = GgmlType.byName(type).orElseThrow();
        codec = (impl.equals("scalar") ? GgmlCodecs.scalar(t) : GgmlCodecs.vector(t)).orElseThrow();
        f32 = Weights.gaussianRows(Weights.VALUES);
        blocks = Arena.ofAuto().allocate(t.rowBytes(Weights.VALUES));
        codec.quantize(f32, 0, Weights.VALUES, blocks, 0);
    }

    @Benchmark
    @OperationsPerInvocation(4 * Weights.VALUES)
    public MemorySegment quantize() {
        codec.quantize(f32, 0, Weights.VALUES, blocks, 0);
        return blocks;
    }

    @Benchmark
    @OperationsPerInvocation(4 * Weights.VALUES)
    public float[] dequantize() {
        codec.dequantize(blocks, 0, f32, 0, Weights.VALUES);
        return f32;
    }
}
