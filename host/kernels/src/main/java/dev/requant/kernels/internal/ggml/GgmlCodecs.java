package dev.requant.kernels.internal.ggml;

import dev.requant.kernels.ggml.BlockCodec;
import dev.requant.kernels.ggml.GgmlType;
import java.util.Optional;

/**
 * The ggml block codecs requant implements: a scalar reference that follows ggml's
 * {@code quantize_row_*_ref} and {@code dequantize_row_*} step by step, and a Vector API twin
 * that gives identical bytes and floats.
 */
public final class GgmlCodecs {
    private GgmlCodecs() {
    }

    /** The scalar reference codec of a type, when requant implements the type. */
    public static Optional<BlockCodec> scalar(GgmlType type) {
        return Optional.ofNullable(switch (type) {
            case Q8_0 -> ScalarQ8_0.INSTANCE;
            case Q4_0 -> ScalarQ4_0.INSTANCE;
            case Q4_1 -> ScalarQ4_1.INSTANCE;
            case Q5_0 -> ScalarQ5_0.INSTANCE;
            case Q5_1 -> ScalarQ5_1.INSTANCE;
            case Q2_K -> ScalarQ2_K.INSTANCE;
            case Q3_K -> ScalarQ3_K.INSTANCE;
            case Q4_K -> ScalarScaleMinK.Q4_K;
            case Q5_K -> ScalarScaleMinK.Q5_K;
            case Q6_K -> ScalarQ6_K.INSTANCE;
            case IQ4_NL -> ScalarIq4Nl.INSTANCE;
            case IQ4_XS -> ScalarIq4Xs.INSTANCE;
            case TQ1_0 -> ScalarTq1_0.INSTANCE;
            case TQ2_0 -> ScalarTq2_0.INSTANCE;
            case MXFP4 -> ScalarMxfp4.INSTANCE;
            default -> null;
        });
    }

    /** The Vector API codec of a type; needs the {@code jdk.incubator.vector} module. */
    public static Optional<BlockCodec> vector(GgmlType type) {
        return Optional.ofNullable(switch (type) {
            case Q8_0 -> VectorQ8_0.INSTANCE;
            case Q4_0 -> VectorQ4_0.INSTANCE;
            case Q4_1 -> VectorQ4_1.INSTANCE;
            case Q5_0 -> VectorQ5_0.INSTANCE;
            case Q5_1 -> VectorQ5_1.INSTANCE;
            case Q2_K -> VectorQ2_K.INSTANCE;
            case Q3_K -> VectorQ3_K.INSTANCE;
            case Q4_K -> VectorScaleMinK.Q4_K;
            case Q5_K -> VectorScaleMinK.Q5_K;
            case Q6_K -> VectorQ6_K.INSTANCE;
            case IQ4_NL -> VectorIq4Nl.INSTANCE;
            case IQ4_XS -> VectorIq4Xs.INSTANCE;
            case TQ1_0 -> VectorTernary.TQ1_0;
            case TQ2_0 -> VectorTernary.TQ2_0;
            case MXFP4 -> VectorMxfp4.INSTANCE;
            default -> null;
        });
    }
}
