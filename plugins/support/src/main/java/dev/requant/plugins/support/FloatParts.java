package dev.requant.plugins.support;

import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.Kernels;
import dev.requant.spi.ElementType;
import dev.requant.spi.TensorPart;

/** Values of a stored float part (scales and the like): f16, bf16 or f32. */
public final class FloatParts {
    private static final ElementKernels K = Kernels.elements();

    private FloatParts() {
    }

    public static boolean readable(ElementType t) {
        return t == ElementType.F16 || t == ElementType.BF16 || t == ElementType.F32;
    }

    /** {@code count} values of {@code part} from element {@code first} on. */
    public static void read(TensorPart part, long first, float[] dst, int dstOffset, int count) {
        ElementType t = part.spec().dtype();
        long offset = t.bytesFor(first);
        switch (t) {
            case F16 -> K.readF16(part.data(), offset, dst, dstOffset, count);
            case BF16 -> K.readBf16(part.data(), offset, dst, dstOffset, count);
            case F32 -> K.readF32(part.data(), offset, dst, dstOffset, count);
            default -> throw new IllegalStateException(part.role() + " holds " + t.id() + ", not floats");
        }
    }
}
