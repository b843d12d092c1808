package dev.requant.core.exec;

import dev.requant.spi.PartSpec;

/**
 * Where rows of a tensor lie in a part: rows {@code [a, b)} of {@code R} occupy bytes
 * {@code [a*size/R, b*size/R)} (see {@link PartSpec}). For any split of the rows the ranges tile
 * the part exactly, so copying works for every layout; encoders get exact ranges because chunks
 * respect the scheme's row alignment.
 */
final class RowRanges {
    private RowRanges() {
    }

    static long start(PartSpec part, long totalRows, long row) {
        return totalRows == 0 ? 0 : Math.multiplyExact(row, part.byteSize()) / totalRows;
    }

    static long length(PartSpec part, long totalRows, long firstRow, long rows) {
        return start(part, totalRows, firstRow + rows) - start(part, totalRows, firstRow);
    }
}
