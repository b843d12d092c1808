package dev.requant.kernels.internal;

import dev.requant.kernels.Bits;
import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.ReferenceVectors;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** f16 and bf16 writes of both implementations against the bytes ggml wrote; reads back exactly. */
class ElementReferenceVectorsTest {
    enum Impl {
        SCALAR(ScalarElementKernels.INSTANCE), VECTOR(VectorElementKernels.INSTANCE);

        final ElementKernels kernels;

        Impl(ElementKernels kernels) {
            this.kernels = kernels;
        }
    }

    static List<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (String kind : ReferenceVectors.kinds()) {
            for (Impl impl : Impl.values()) {
                cases.add(Arguments.of(kind, impl));
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void f16(String kind, Impl impl) {
        float[] in = ReferenceVectors.input(kind);
        byte[] expected = ReferenceVectors.expected("f16", kind);
        byte[] actual = new byte[expected.length];
        impl.kernels.writeF16(in, 0, MemorySegment.ofArray(actual), 0, in.length);
        Bits.assertSameBytes(expected, actual, "f16 " + kind);

        float[] read = new float[in.length];
        impl.kernels.readF16(MemorySegment.ofArray(expected), 0, read, 0, read.length);
        ByteBuffer b = ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[in.length];
        for (int i = 0; i < decoded.length; i++) {
            decoded[i] = Float.float16ToFloat(b.getShort(2 * i));
        }
        Bits.assertSameBits(decoded, read, "f16 read " + kind);
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void bf16(String kind, Impl impl) {
        float[] in = ReferenceVectors.input(kind);
        byte[] expected = ReferenceVectors.expected("bf16", kind);
        byte[] actual = new byte[expected.length];
        impl.kernels.writeBf16(in, 0, MemorySegment.ofArray(actual), 0, in.length);
        Bits.assertSameBytes(expected, actual, "bf16 " + kind);

        float[] read = new float[in.length];
        impl.kernels.readBf16(MemorySegment.ofArray(expected), 0, read, 0, read.length);
        ByteBuffer b = ByteBuffer.wrap(expected).order(ByteOrder.LITTLE_ENDIAN);
        float[] decoded = new float[in.length];
        for (int i = 0; i < decoded.length; i++) {
            decoded[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
        }
        Bits.assertSameBits(decoded, read, "bf16 read " + kind);
    }
}
