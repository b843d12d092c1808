package dev.requant.spi;

import java.util.Arrays;

/**
 * A row-major shape in PyTorch order: the last dimension is contiguous, so a Linear weight is
 * {@code [out, in]}. Work is split along <em>rows</em>: the product of all but the last dimension;
 * a row holds {@link #rowLength()} elements. A 0-d tensor is one row of one element.
 */
public final class Shape {
    private final long[] dims;

    private Shape(long[] dims) {
        for (long d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in " + Arrays.toString(dims));
            }
        }
        this.dims = dims;
        numel(); // fails early on overflow
    }

    public static Shape of(long... dims) {
        return new Shape(dims.clone());
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    public long[] dims() {
        return dims.clone();
    }

    /** Number of elements (1 for a 0-d tensor). */
    public long numel() {
        long n = 1;
        for (long d : dims) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** Elements per row: the last dimension, or 1 for a 0-d tensor. */
    public long rowLength() {
        return dims.length == 0 ? 1 : dims[dims.length - 1];
    }

    /** Number of rows: the product of all dimensions but the last. */
    public long rows() {
        long n = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            n = Math.multiplyExact(n, dims[i]);
        }
        return n;
    }

    /** The same shape with the dimensions in reverse order (ggml's {@code ne} order). */
    public Shape reversed() {
        long[] r = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            r[i] = dims[dims.length - 1 - i];
        }
        return new Shape(r);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
