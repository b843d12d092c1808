package dev.requant.kernels.ggml;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Decodes ggml blocks straight from the format definitions (ggml-formats.md 4.1-4.5), written
 * apart from the codecs so that it can catch them out: value = q*d (+ m), with q taken from the
 * stored bits.
 */
final class FormatDecoder {
    private FormatDecoder() {
    }

    static float[] decode(GgmlType type, byte[] data) {
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int blocks = data.length / type.typeSize();
        float[] out = new float[blocks * 32];
        for (int blk = 0; blk < blocks; blk++) {
            int at = blk * type.typeSize();
            float d = Float.float16ToFloat(b.getShort(at));
            for (int j = 0; j < 32; j++) {
                out[blk * 32 + j] = switch (type) {
                    case Q8_0 -> data[at + 2 + j] * d;
                    case Q4_0 -> (nibble(data, at + 2, j) - 8) * d;
                    case Q4_1 -> nibble(data, at + 4, j) * d + Float.float16ToFloat(b.getShort(at + 2));
                    case Q5_0 -> ((nibble(data, at + 6, j) + 16 * bit(b.getInt(at + 2), j)) - 16) * d;
                    case Q5_1 -> (nibble(data, at + 8, j) + 16 * bit(b.getInt(at + 4), j)) * d
                            + Float.float16ToFloat(b.getShort(at + 2));
                    default -> throw new IllegalArgumentException(type.typeName());
                };
            }
        }
        return out;
    }

    /** Value j of 32: byte j%16 of qs, low nibble for the first 16 values, high for the rest. */
    private static int nibble(byte[] data, int qs, int j) {
        int b = data[qs + j % 16] & 0xFF;
        return j < 16 ? b & 15 : b >> 4;
    }

    private static int bit(int qh, int j) {
        return (qh >>> j) & 1;
    }
}
