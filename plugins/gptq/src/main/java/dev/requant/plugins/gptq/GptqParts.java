package dev.requant.plugins.gptq;

import java.util.List;

/**
 * The stored parts of a GPTQ Linear: their roles in a logical tensor and the suffixes of their
 * names in a checkpoint ({@code PREFIX.qweight}, ...).
 */
final class GptqParts {
    static final String QWEIGHT = "qweight";
    static final String QZEROS = "qzeros";
    static final String SCALES = "scales";
    static final String G_IDX = "g_idx";
    /** A layer's parts, in the order GPTQModel stores them. */
    static final List<String> ROLES = List.of(QWEIGHT, QZEROS, SCALES, G_IDX);

    private GptqParts() {
    }
}
