package dev.requant.plugins.awq;

/**
 * The stored parts of an AWQ Linear: their roles in a logical tensor and the suffixes of their
 * names in a checkpoint ({@code PREFIX.qweight}, ...).
 */
final class AwqParts {
    static final String QWEIGHT = "qweight";
    static final String QZEROS = "qzeros";
    static final String SCALES = "scales";

    private AwqParts() {
    }
}
