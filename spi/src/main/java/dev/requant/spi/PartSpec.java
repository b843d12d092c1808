package dev.requant.spi;

import java.util.Objects;

/**
 * One physical part of a stored tensor: a plain tensor has one part ({@link #DATA}); a GPTQ weight
 * has {@code qweight}, {@code qzeros}, {@code scales} and {@code g_idx}.
 *
 * <p>How the part follows the rows of the logical tensor, {@link Rows}, tells the host how to
 * split work in row ranges: rows {@code [a, b)} of a tensor with {@code R} rows occupy
 * <ul>
 *   <li>{@link Rows#FIRST} (the default): bytes {@code [a*size/R, b*size/R)} of the part (block
 *       formats, bnb's flat codes and absmax, MLX, compressed-tensors);</li>
 *   <li>{@link Rows#LAST}: columns {@code [a*C/R, b*C/R)} of every row of the part, whose last
 *       dimension is {@code C} (GPTQ's {@code qweight [in/8, out]} and {@code scales
 *       [groups, out]}, AWQ's {@code qweight [in, out/8]});</li>
 *   <li>{@link Rows#NONE}: the part describes the whole tensor ({@code g_idx}, a code book, a
 *       quantization state); it is written once, by {@link TensorEncoder#finish}.</li>
 * </ul>
 * See {@link QuantScheme#rowAlignment(TensorInfo)} when a part's unit spans several rows.
 *
 * @param role  the part's name within its tensor ({@link #DATA} for single-part tensors)
 * @param dtype the element type the part is stored as
 * @param shape the part's own shape
 * @param rows  how the part follows the tensor's rows
 */
public record PartSpec(String role, ElementType dtype, Shape shape, Rows rows) {
    /** The role of the only part of a plain or block-quantized tensor. */
    public static final String DATA = "data";

    /** How a part's bytes follow the rows of its tensor. */
    public enum Rows {
        /** Row ranges are byte ranges in proportion. */
        FIRST,
        /** Row ranges are column ranges of the part's last dimension. */
        LAST,
        /** The part does not follow rows. */
        NONE
    }

    public PartSpec {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(rows, "rows");
        dtype.bytesFor(shape.numel());
        if (rows == Rows.LAST && (shape.rank() == 0 || dtype.bits() % 8 != 0)) {
            throw new IllegalArgumentException(role + ": a part whose columns follow rows needs a last dimension"
                    + " of whole-byte elements");
        }
    }

    /** A part whose bytes follow the rows ({@link Rows#FIRST}). */
    public PartSpec(String role, ElementType dtype, Shape shape) {
        this(role, dtype, shape, Rows.FIRST);
    }

    /** Size in bytes. */
    public long byteSize() {
        return dtype.bytesFor(shape.numel());
    }
}
