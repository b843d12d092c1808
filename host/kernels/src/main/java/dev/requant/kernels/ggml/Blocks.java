package dev.requant.kernels.ggml;

/** Argument checks shared by the block codecs. */
final class Blocks {
    private Blocks() {
    }

    /** The number of whole blocks in {@code count} values; fails when a block would be cut. */
    static int of(GgmlType type, int count) {
        if (count < 0 || count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values are not whole blocks of " + type.blockSize()
                    + " (" + type.typeName() + ")");
        }
        return count / type.blockSize();
    }
}
