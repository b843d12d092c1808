package dev.requant.kernels.internal.bnb;

import dev.requant.kernels.bnb.BnbEncodeKernels;
import dev.requant.kernels.bnb.FourBitCode;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** The scalar reference of {@link BnbEncodeKernels}: bitsandbytes' decision trees as they are written. */
public final class ScalarBnbEncodeKernels implements BnbEncodeKernels {
    public static final ScalarBnbEncodeKernels INSTANCE = new ScalarBnbEncodeKernels();

    private ScalarBnbEncodeKernels() {
    }

    @Override
    public void absmax(float[] src, int offset, int count, int blockSize, float[] dst, int dstOffset) {
        for (int start = 0, b = 0; start < count; start += blockSize, b++) {
            dst[dstOffset + b] = blockAbsmax(src, offset + start, Math.min(blockSize, count - start));
        }
    }

    /** The largest magnitude, NaN when there is one; {@code -Float.MAX_VALUE} for no values, as CUDA starts. */
    static float blockAbsmax(float[] src, int from, int count) {
        float m = -Float.MAX_VALUE;
        for (int i = 0; i < count; i++) {
            m = Math.max(m, Math.abs(src[from + i]));
        }
        return m;
    }

    @Override
    public void quantize4bit(FourBitCode code, float[] src, int offset, int count, float[] absmax, int blockSize,
                             MemorySegment packed, long packedOffset) {
        for (int i = 0; i < count; i += 2) {
            float inv = 1.0f / absmax[i / blockSize];
            int high = quantize(code, src[offset + i] * inv);
            int low = i + 1 < count ? quantize(code, src[offset + i + 1] * (1.0f / absmax[(i + 1) / blockSize]))
                    : quantize(code, 0.0f * inv);
            packed.set(ValueLayout.JAVA_BYTE, packedOffset + i / 2, (byte) (high << 4 | low));
        }
    }

    static int quantize(FourBitCode code, float x) {
        return code == FourBitCode.NF4 ? nf4(x) : fp4(x);
    }

    /** {@code dQuantizeNF4}: the tree of the CUDA kernel, thresholds the midpoints of the NF4 levels. */
    static int nf4(float x) {
        if (x > 0.03979014977812767f) {
            if (x > 0.3893125355243683f) {
                if (x > 0.6427869200706482f) {
                    return x > 0.8614784181118011f ? 0b1111 : 0b1110;
                }
                return x > 0.5016634166240692f ? 0b1101 : 0b1100;
            }
            if (x > 0.2035212516784668f) {
                return x > 0.2920137718319893f ? 0b1011 : 0b1010;
            }
            return x > 0.1202552504837513f ? 0b1001 : 0b1000;
        }
        if (x > -0.33967943489551544f) {
            if (x > -0.13791173323988914f) {
                return x > -0.045525018125772476f ? 0b0111 : 0b0110;
            }
            return x > -0.23460740596055984f ? 0b0101 : 0b0100;
        }
        if (x > -0.6106329262256622f) {
            return x > -0.4599952697753906f ? 0b0011 : 0b0010;
        }
        return x > -0.8480964004993439f ? 0b0001 : 0b0000;
    }

    /** {@code dQuantizeFP4}: the sign from {@code x < 0}, the magnitude by the CUDA kernel's tree. */
    static int fp4(float x) {
        int sign = x < 0 ? 0b1000 : 0;
        float a = Math.abs(x);
        if (a > 0.29166667f) {
            if (a > 0.583333f) {
                return (a > 0.8333333f ? 0b0011 : 0b0010) + sign;
            }
            return (a > 0.4166667f ? 0b0101 : 0b0100) + sign;
        }
        if (a > 0.0859375f) {
            return (a > 0.20833333f ? 0b0111 : 0b0110) + sign;
        }
        return (a > 0.00260417f ? 0b0001 : 0b0000) + sign;
    }

    @Override
    public void quantizeBlockwise8bit(float[] src, int offset, int count, float[] map, int blockSize,
                                      float[] blockAbsmax, MemorySegment codes, long codesOffset) {
        for (int start = 0, b = 0; start < count; start += blockSize, b++) {
            int n = Math.min(blockSize, count - start);
            float m = blockAbsmax(src, offset + start, n);
            blockAbsmax[b] = m;
            float inv = 1.0f / m;
            for (int i = 0; i < n; i++) {
                codes.set(ValueLayout.JAVA_BYTE, codesOffset + start + i, (byte) dynamic(map, src[offset + start + i] * inv));
            }
        }
    }

    /**
     * {@code dQuantize<0>}: seven halvings from the middle of the map, remembering the last entries
     * passed below and above, then the midpoint between the final entry and the neighbour on the
     * value's side decides (a value on a midpoint keeps the final entry).
     */
    static int dynamic(float[] map, float x) {
        int pivot = 127;
        int upper = 255;
        int lower = 0;
        float lowerValue = -1.0f;
        float upperValue = 1.0f;
        float val = map[pivot];
        for (int step = 64; step > 0; step >>= 1) {
            if (x > val) {
                lower = pivot;
                lowerValue = val;
                pivot += step;
            } else {
                upper = pivot;
                upperValue = val;
                pivot -= step;
            }
            val = map[pivot];
        }
        if (upper == 255) {
            upperValue = map[upper];
        }
        if (lower == 0) {
            lowerValue = map[lower];
        }
        if (x > val) {
            return x > (upperValue + val) * 0.5f ? upper : pivot;
        }
        return x < (lowerValue + val) * 0.5f ? lower : pivot;
    }

    @Override
    public void quantizeInt8Rows(float[] src, int offset, int rows, int rowLength, MemorySegment q, long qOffset,
                                 float[] scb, int scbOffset) {
        for (int r = 0; r < rows; r++) {
            int from = offset + r * rowLength;
            float absmax = blockAbsmax(src, from, rowLength);
            scb[scbOffset + r] = absmax;
            float scale = 127.0f / absmax;
            for (int j = 0; j < rowLength; j++) {
                q.set(ValueLayout.JAVA_BYTE, qOffset + (long) r * rowLength + j, int8(src[from + j] * scale));
            }
        }
    }

    /** Round half to even into a byte; NaN (a zero row: 0 * inf) becomes 0, as CUDA's conversion gives. */
    static byte int8(float scaled) {
        return (byte) (int) Math.rint(scaled);
    }
}
