package dev.requant.kernels.internal.bnb;

import dev.requant.kernels.Bits;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.bnb.FourBitCode;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Vector API bitsandbytes kernels give the scalar references' floats bit for bit, for any
 * bytes, any scales (zeros of both signs, subnormals, infinities, NaNs), any block size and any
 * range: odd starts (a low nibble first), ranges inside one block and across many, and exactly
 * sized inputs, so that a vector load past the end would fail.
 */
class BnbEquivalenceTest {
    /** Enough repetitions for the JIT to compile the kernels: interpreted and compiled code must agree. */
    private static final int ROUNDS = 12;
    private static final int[] BLOCK_SIZES = {1, 2, 7, 16, 32, 64, 128, 4096};
    private static final float[] SPECIAL = {0f, -0f, Float.MIN_VALUE, -Float.MIN_VALUE, 1e-30f, Float.MAX_VALUE,
        -Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN,
        Float.intBitsToFloat(0x7FA00001), Float.intBitsToFloat(0xFFC12345), 1f, -1f, 0.0625f};

    private final BnbKernels scalar = ScalarBnbKernels.INSTANCE;
    private final BnbKernels vector = VectorBnbKernels.INSTANCE;

    private static float scale(SplittableRandom rnd) {
        return rnd.nextInt(5) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)]
                : (float) (rnd.nextDouble(-1, 1) * Math.pow(10, rnd.nextInt(-8, 4)));
    }

    private static byte[] randomBytes(SplittableRandom rnd, int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        return b;
    }

    @ParameterizedTest
    @EnumSource(FourBitCode.class)
    void fourBitRangesDecodeAlike(FourBitCode code) {
        SplittableRandom rnd = new SplittableRandom(11 + code.ordinal());
        for (int round = 0; round < ROUNDS; round++) {
            for (int blockSize : BLOCK_SIZES) {
                int n = rnd.nextInt(1, 3 * Math.max(64, blockSize) + 50);
                MemorySegment packed = MemorySegment.ofArray(randomBytes(rnd, (n + 1) / 2));
                int blocks = (n + blockSize - 1) / blockSize;
                float[] absmax = new float[blocks];
                for (int b = 0; b < blocks; b++) {
                    absmax[b] = scale(rnd);
                }
                for (int trial = 0; trial < 6; trial++) {
                    int first = trial == 0 ? 0 : rnd.nextInt(n);
                    int count = trial == 0 ? n : rnd.nextInt(n - first + 1);
                    int firstBlock = first / blockSize;
                    int lastBlock = count == 0 ? firstBlock : (first + count - 1) / blockSize;
                    float[] scales = java.util.Arrays.copyOfRange(absmax, firstBlock, lastBlock + 1);
                    int dstOffset = rnd.nextInt(3);
                    float[] s = new float[dstOffset + count];
                    float[] v = new float[dstOffset + count];
                    scalar.dequantize4bit(code, packed, first, count, scales, blockSize, s, dstOffset);
                    vector.dequantize4bit(code, packed, first, count, scales, blockSize, v, dstOffset);
                    Bits.assertSameBits(s, v, code + " block " + blockSize + " values [" + first + ", "
                            + (first + count) + ") of " + n);
                }
            }
        }
    }

    @Test
    void fourBitDecodesFromUnalignedNativeMemory() {
        SplittableRandom rnd = new SplittableRandom(3);
        int n = 1000;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment packed = arena.allocate(n / 2 + 1).asSlice(1);
            packed.copyFrom(MemorySegment.ofArray(randomBytes(rnd, n / 2)));
            float[] absmax = new float[(n + 63) / 64];
            for (int b = 0; b < absmax.length; b++) {
                absmax[b] = scale(rnd);
            }
            for (FourBitCode code : FourBitCode.values()) {
                float[] s = new float[n];
                float[] v = new float[n];
                scalar.dequantize4bit(code, packed, 0, n, absmax, 64, s, 0);
                vector.dequantize4bit(code, packed, 0, n, absmax, 64, v, 0);
                Bits.assertSameBits(s, v, code + " native");
            }
        }
    }

    @Test
    void doubleQuantizedScalesDecodeAlike() {
        SplittableRandom rnd = new SplittableRandom(29);
        for (int round = 0; round < ROUNDS; round++) {
            for (int nestedBlockSize : new int[] {1, 3, 17, 256, 1000}) {
                int blocks = rnd.nextInt(1, 900);
                MemorySegment codes = MemorySegment.ofArray(randomBytes(rnd, blocks));
                float[] map = new float[256];
                for (int k = 0; k < map.length; k++) {
                    map[k] = rnd.nextInt(8) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : (float) rnd.nextDouble(-1, 1);
                }
                int groups = (blocks + nestedBlockSize - 1) / nestedBlockSize;
                MemorySegment nested = MemorySegment.ofArray(new byte[4 * groups]);
                for (int g = 0; g < groups; g++) {
                    nested.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * g, scale(rnd));
                }
                float offset = rnd.nextInt(6) == 0 ? SPECIAL[rnd.nextInt(SPECIAL.length)] : (float) rnd.nextDouble(0, 0.1);
                for (int trial = 0; trial < 5; trial++) {
                    int first = trial == 0 ? 0 : rnd.nextInt(blocks);
                    int count = trial == 0 ? blocks : rnd.nextInt(blocks - first + 1);
                    float[] s = new float[count + 2];
                    float[] v = new float[count + 2];
                    scalar.dequantizeAbsmax(codes, first, count, map, nested, nestedBlockSize, offset, s, 2);
                    vector.dequantizeAbsmax(codes, first, count, map, nested, nestedBlockSize, offset, v, 2);
                    Bits.assertSameBits(s, v, "nested block " + nestedBlockSize + " blocks [" + first + ", "
                            + (first + count) + ") of " + blocks);
                }
            }
        }
    }

    @Test
    void int8RowsDecodeAlike() {
        SplittableRandom rnd = new SplittableRandom(41);
        for (int round = 0; round < ROUNDS; round++) {
            for (int rowLength : new int[] {1, 3, 7, 8, 16, 33, 64, 160, 1000}) {
                int rows = rnd.nextInt(1, 12);
                byte[] q = randomBytes(rnd, rows * rowLength);
                q[0] = Byte.MIN_VALUE;
                q[q.length - 1] = Byte.MAX_VALUE;
                MemorySegment scb = MemorySegment.ofArray(new byte[4 * rows]);
                for (int r = 0; r < rows; r++) {
                    scb.set(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 4L * r, scale(rnd));
                }
                int first = rnd.nextInt(rows);
                int count = rnd.nextInt(rows - first + 1);
                float[] s = new float[count * rowLength + 1];
                float[] v = new float[count * rowLength + 1];
                scalar.dequantizeInt8Rows(MemorySegment.ofArray(q), scb, first, count, rowLength, s, 1);
                vector.dequantizeInt8Rows(MemorySegment.ofArray(q), scb, first, count, rowLength, v, 1);
                Bits.assertSameBits(s, v, "int8 rows [" + first + ", " + (first + count) + ") of " + rows + " x "
                        + rowLength);
            }
        }
    }
}
