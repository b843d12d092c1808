package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.GgmlType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes ggml blocks straight from the format definitions (ggml-formats.md 4.1-4.13, and the
 * block layouts of TQ1_0, TQ2_0 and MXFP4 in ggml-common.h), written apart from the codecs so
 * that it can catch them out: each value is computed from its own bits with ggml's float
 * operations in ggml's order, so that the floats must agree to the bit.
 */
final class FormatDecoder {
    private static final int[] IQ4_GRID = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
    private static final int[] MXFP4_GRID = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

    private FormatDecoder() {
    }

    static float[] decode(GgmlType type, byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int qk = type.blockSize();
        int blocks = data.length / type.typeSize();
        float[] out = new float[blocks * qk];
        for (int blk = 0; blk < blocks; blk++) {
            int at = blk * type.typeSize();
            for (int j = 0; j < qk; j++) {
                out[blk * qk + j] = value(type, b, at, j);
            }
        }
        return out;
    }

    private static float value(GgmlType type, ByteBuffer b, int at, int j) {
        return switch (type) {
            case Q8_0 -> b.get(at + 2 + j) * f16(b, at);
            case Q4_0 -> (nibble(b, at + 2, j) - 8) * f16(b, at);
            case Q4_1 -> nibble(b, at + 4, j) * f16(b, at) + f16(b, at + 2);
            case Q5_0 -> ((nibble(b, at + 6, j) + 16 * bit(b.getInt(at + 2), j)) - 16) * f16(b, at);
            case Q5_1 -> (nibble(b, at + 8, j) + 16 * bit(b.getInt(at + 4), j)) * f16(b, at) + f16(b, at + 2);
            case Q2_K -> {
                int sc = u8(b, at + j / 16);
                yield f16(b, at + 80) * (sc & 15) * crumb(b, at + 16, j) - f16(b, at + 82) * (sc >> 4);
            }
            case Q3_K -> {
                int g = j / 16;
                int low = g < 8 ? u8(b, at + 96 + g) & 15 : u8(b, at + 96 + g - 8) >> 4;
                int code = low | ((u8(b, at + 104 + g % 4) >> 2 * (g / 4)) & 3) << 4;
                int high = (u8(b, at + j % 32) >> j / 32) & 1;
                yield f16(b, at + 108) * (code - 32) * (crumb(b, at + 32, j) - (high == 1 ? 0 : 4));
            }
            case Q4_K, Q5_K -> {
                int g = j / 32;
                int qs = type == GgmlType.Q4_K ? at + 16 : at + 48;
                int q = (u8(b, qs + 32 * (j / 64) + j % 32) >> 4 * (g % 2)) & 15;
                if (type == GgmlType.Q5_K) {
                    q += 16 * ((u8(b, at + 16 + j % 32) >> g) & 1);
                }
                int[] scaleMin = scaleMinK4(b, at + 4, g);
                yield f16(b, at) * scaleMin[0] * q - f16(b, at + 2) * scaleMin[1];
            }
            case Q6_K -> {
                int h = j / 128;
                int k = (j % 128) / 32;
                int l = j % 32;
                int low = (u8(b, at + 64 * h + 32 * (k % 2) + l) >> 4 * (k / 2)) & 15;
                int high = (u8(b, at + 128 + 32 * h + l) >> 2 * k) & 3;
                yield f16(b, at + 208) * b.get(at + 192 + j / 16) * ((low | high << 4) - 32);
            }
            case IQ4_NL -> f16(b, at) * IQ4_GRID[nibble(b, at + 2, j)];
            case IQ4_XS -> {
                int ib = j / 32;
                int code = (u8(b, at + 4 + ib / 2) >> 4 * (ib % 2)) & 15 | ((b.getShort(at + 2) >> 2 * ib) & 3) << 4;
                yield f16(b, at) * (code - 32) * IQ4_GRID[nibble(b, at + 8 + 16 * ib, j % 32)];
            }
            case TQ1_0 -> {
                int packed;
                int k;
                if (j < 160) {
                    packed = u8(b, at + j % 32);
                    k = j / 32;
                } else if (j < 240) {
                    packed = u8(b, at + 32 + (j - 160) % 16);
                    k = (j - 160) / 16;
                } else {
                    packed = u8(b, at + 48 + (j - 240) % 4);
                    k = (j - 240) / 4;
                }
                // trit k is the top trit of the byte times 3^k, modulo 256
                int shifted = packed * (int) Math.pow(3, k) % 256;
                yield (float) (shifted * 3 / 256 - 1) * f16(b, at + 52);
            }
            case TQ2_0 -> (float) (crumb(b, at, j) - 1) * f16(b, at + 64);
            case MXFP4 -> MXFP4_GRID[nibble(b, at + 1, j)] * (float) Math.scalb(1.0, u8(b, at) - 128);
            default -> throw new IllegalArgumentException(type.typeName());
        };
    }

    private static float f16(ByteBuffer b, int at) {
        return Float.float16ToFloat(b.getShort(at));
    }

    private static int u8(ByteBuffer b, int at) {
        return b.get(at) & 0xFF;
    }

    /** Value j of 32: byte j%16 of qs, low nibble for the first 16 values, high for the rest. */
    private static int nibble(ByteBuffer b, int qs, int j) {
        int v = u8(b, qs + j % 16);
        return j < 16 ? v & 15 : v >> 4;
    }

    private static int bit(int qh, int j) {
        return (qh >>> j) & 1;
    }

    /** Two-bit value n of 256: byte {@code 32*(n/128) + n%32} at bit {@code 2*((n%128)/32)}. */
    private static int crumb(ByteBuffer b, int qs, int n) {
        return (u8(b, qs + 32 * (n / 128) + n % 32) >> 2 * ((n % 128) / 32)) & 3;
    }

    /** {@code get_scale_min_k4}: the 6-bit scale and minimum codes of group g from the 12 bytes at {@code s}. */
    private static int[] scaleMinK4(ByteBuffer b, int s, int g) {
        if (g < 4) {
            return new int[] {u8(b, s + g) & 63, u8(b, s + g + 4) & 63};
        }
        return new int[] {(u8(b, s + g + 4) & 15) | (u8(b, s + g - 4) >> 6) << 4,
            (u8(b, s + g + 4) >> 4) | (u8(b, s + g) >> 6) << 4};
    }
}
