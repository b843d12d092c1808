package dev.requant.spi;

import java.util.Objects;

/**
 * One physical part of a stored tensor: a plain tensor has one part ({@link #DATA}); a GPTQ weight
 * has {@code qweight}, {@code qzeros}, {@code scales} and {@code g_idx}.
 *
 * <p>Unless a scheme says otherwise, a part's bytes follow the rows of the logical tensor: rows
 * {@code [a, b)} of a tensor with {@code R} rows occupy bytes {@code [a*size/R, b*size/R)} of the
 * part. Encoders are handed exactly those byte ranges (see
 * {@link QuantScheme#rowAlignment(TensorInfo)} when a part's unit spans several rows).
 *
 * @param role  the part's name within its tensor ({@link #DATA} for single-part tensors)
 * @param dtype the element type the part is stored as
 * @param shape the part's own shape
 */
public record PartSpec(String role, ElementType dtype, Shape shape) {
    /** The role of the only part of a plain or block-quantized tensor. */
    public static final String DATA = "data";

    public PartSpec {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        dtype.bytesFor(shape.numel());
    }

    /** Size in bytes. */
    public long byteSize() {
        return dtype.bytesFor(shape.numel());
    }
}
