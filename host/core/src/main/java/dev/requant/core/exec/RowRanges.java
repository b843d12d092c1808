package dev.requant.core.exec;

import dev.requant.spi.PartSpec;
import java.io.IOException;

/**
 * Where rows of a tensor lie in a part, following {@link PartSpec.Rows}: rows {@code [a, b)} of
 * {@code R} are the bytes {@code [a*size/R, b*size/R)} of a {@code FIRST} part, and the columns
 * {@code [a*C/R, b*C/R)} of every row of a {@code LAST} part. For any split of the rows these
 * ranges tile the part exactly, so copying works for every layout; encoders get exact ranges
 * because chunks respect the scheme's row alignment.
 */
final class RowRanges {
    /** One contiguous run: {@code length} bytes at {@code partOffset} of the whole part, at {@code chunkOffset} of the chunk's. */
    interface Run {
        void at(long partOffset, long chunkOffset, long length) throws IOException;
    }

    private RowRanges() {
    }

    /** Calls {@code run} for every run of rows {@code [first, first + rows)}; nothing for a {@code NONE} part. */
    static void forEach(PartSpec part, long totalRows, long first, long rows, Run run) throws IOException {
        switch (part.rows()) {
            case FIRST -> {
                long start = scaled(first, part.byteSize(), totalRows);
                long length = scaled(first + rows, part.byteSize(), totalRows) - start;
                if (length > 0) {
                    run.at(start, 0, length);
                }
            }
            case LAST -> {
                long columns = part.shape().dim(part.shape().rank() - 1);
                long elementBytes = part.dtype().bits() / 8;
                long from = scaled(first, columns, totalRows);
                long length = (scaled(first + rows, columns, totalRows) - from) * elementBytes;
                long outer = columns == 0 ? 0 : part.shape().numel() / columns;
                for (long m = 0; m < outer && length > 0; m++) {
                    run.at((m * columns + from) * elementBytes, m * length, length);
                }
            }
            case NONE -> {
            }
        }
    }

    private static long scaled(long row, long size, long totalRows) {
        return totalRows == 0 ? 0 : Math.multiplyExact(row, size) / totalRows;
    }
}
