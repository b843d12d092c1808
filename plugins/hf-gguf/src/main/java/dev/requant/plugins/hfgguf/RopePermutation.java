package dev.requant.plugins.hfgguf;

import dev.requant.spi.ComputedTensor;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TransformContext;

/**
 * Q or K of a llama-family attention with its output rows (dimension 0) reordered between Hugging
 * Face's rotate-half RoPE layout and Meta's interleaved pairs, which llama.cpp's normal rope reads.
 * Within each head of {@code d} rows, Meta's row {@code 2i + j} is Hugging Face's row
 * {@code j*d/2 + i} (i &lt; d/2, j in {0, 1}); convert_hf_to_gguf.py writes this as
 * {@code reshape(heads, 2, d/2, -1).swapaxes(1, 2)}.
 *
 * <p>The values are the source's, decoded: a quantized source is dequantized before its rows are
 * moved, never its packed codes. Rows are decoded a whole head at a time, so that the source is
 * read in runs that start and end on head boundaries. A 1-d tensor (a bias) is one row whose
 * elements are moved.
 */
final class RopePermutation implements ComputedTensor {
    private final TensorInfo info;
    private final SourceTensor source;
    private final TransformContext context;
    private final long headRows;
    private final boolean toInterleaved;

    /**
     * @param toInterleaved true from Hugging Face's layout to Meta's (to GGUF), false back
     */
    RopePermutation(TensorInfo info, SourceTensor source, TransformContext context, long heads,
                    boolean toInterleaved) {
        long n = info.shape().dim(0);
        if (heads <= 0 || n % heads != 0 || (n / heads) % 2 != 0) {
            throw new IllegalArgumentException(source.name() + " " + source.info().shape() + ": " + n
                    + " rows are not " + heads + " heads of an even number of rows");
        }
        this.info = info;
        this.source = source;
        this.context = context;
        this.headRows = n / heads;
        this.toInterleaved = toInterleaved;
    }

    @Override
    public TensorInfo info() {
        return info;
    }

    /** The source index along dimension 0 of output index {@code r}. */
    long sourceIndex(long r) {
        long head = r / headRows;
        long within = r % headRows;
        long half = headRows / 2;
        long i;
        long j;
        if (toInterleaved) {
            i = within / 2;
            j = within % 2;
            return head * headRows + j * half + i;
        }
        j = within / half;
        i = within % half;
        return head * headRows + 2 * i + j;
    }

    @Override
    public void rows(long firstRow, int rows, float[] dst, int dstOffset) {
        if (info.shape().rank() == 1) {
            int n = Math.toIntExact(info.shape().dim(0));
            float[] values = new float[n];
            context.decode(source, 0, 1, values, 0);
            for (int r = 0; r < n; r++) {
                dst[dstOffset + r] = values[(int) sourceIndex(r)];
            }
            return;
        }
        int cols = Math.toIntExact(info.shape().rowLength());
        long firstHead = firstRow / headRows;
        long lastHead = (firstRow + rows - 1) / headRows;
        long base = firstHead * headRows;
        int span = Math.toIntExact((lastHead - firstHead + 1) * headRows);
        float[] decoded = new float[Math.multiplyExact(span, cols)];
        context.decode(source, base, span, decoded, 0);
        for (int r = 0; r < rows; r++) {
            long from = sourceIndex(firstRow + r) - base;
            System.arraycopy(decoded, Math.toIntExact(from * cols), dst, dstOffset + r * cols, cols);
        }
    }
}
