package dev.requant.plugins.inc;

/**
 * The stored parts of a neural-compressor Linear: their roles in a logical tensor and the suffixes
 * of their names in a checkpoint ({@code PREFIX.qweight}, ...).
 */
final class IncParts {
    static final String QWEIGHT = "qweight";
    static final String QZEROS = "qzeros";
    static final String SCALES = "scales";
    static final String G_IDX = "g_idx";

    private IncParts() {
    }
}
