package dev.requant.bench;

import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
import dev.requant.kernels.internal.bnb.ScalarBnbKernels;
import dev.requant.kernels.internal.bnb.VectorBnbKernels;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
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
 * bitsandbytes NF4 with double quantization (block 64, nested block 256), decoded as the bnb
 * plugin decodes a chunk: the 8-bit absmax codes to f32 scales, then the 4-bit codes to f32
 * values. One operation is one byte of f32 produced, so the score reads as GB/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@State(Scope.Thread)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BnbDecodeBench {
    private static final int BLOCK = 64;
    private static final int NESTED_BLOCK = 256;
    private static final int BLOCKS = Weights.VALUES / BLOCK;

    @Param({"scalar", "vector"})
    public String impl;

    private BnbKernels kernels;
    private MemorySegment packed;
    private MemorySegment absmaxCodes;
    private MemorySegment nestedAbsmax;
    private final float[] map = new float[256];
    private final float[] absmax = new float[BLOCKS];
    private final float[] out = new float[Weights.VALUES];

    @Setup
    public void setUp() {
        kernels = impl.equals("scalar") ? ScalarBnbKernels.INSTANCE : VectorBnbKernels.INSTANCE;
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] codes = new byte[Weights.VALUES / 2];
        rnd.nextBytes(codes);
        packed = MemorySegment.ofArray(codes);
        byte[] scaleCodes = new byte[BLOCKS];
        rnd.nextBytes(scaleCodes);
        absmaxCodes = MemorySegment.ofArray(scaleCodes);
        ByteBuffer nested = ByteBuffer.allocate(4 * (BLOCKS / NESTED_BLOCK)).order(ByteOrder.LITTLE_ENDIAN);
        while (nested.hasRemaining()) {
            nested.putFloat((float) rnd.nextDouble(0.01, 0.05));
        }
        nestedAbsmax = MemorySegment.ofArray(nested.array());
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) rnd.nextDouble(-1, 1);
        }
    }

    @Benchmark
    @OperationsPerInvocation(4 * Weights.VALUES)
    public float[] nf4DoubleQuant() {
        kernels.dequantizeAbsmax(absmaxCodes, 0, BLOCKS, map, nestedAbsmax, NESTED_BLOCK, 0.06f, absmax, 0);
        kernels.dequantize4bit(FourBitCode.NF4, packed, 0, Weights.VALUES, absmax, BLOCK, out, 0);
        return out;
    }
}
