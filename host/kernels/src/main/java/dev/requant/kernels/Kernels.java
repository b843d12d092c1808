package dev.requant.kernels;

import dev.requant.kernels.affine.AffineKernels;
import dev.requant.kernels.affine.AffineQuantKernels;
import dev.requant.kernels.bnb.BnbEncodeKernels;
import dev.requant.kernels.bnb.BnbKernels;
import dev.requant.kernels.ggml.BlockCodec;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.kernels.internal.ScalarElementKernels;
import dev.requant.kernels.internal.VectorElementKernels;
import dev.requant.kernels.internal.affine.ScalarAffineKernels;
import dev.requant.kernels.internal.affine.ScalarAffineQuantKernels;
import dev.requant.kernels.internal.affine.VectorAffineKernels;
import dev.requant.kernels.internal.affine.VectorAffineQuantKernels;
import dev.requant.kernels.internal.bnb.ScalarBnbEncodeKernels;
import dev.requant.kernels.internal.bnb.ScalarBnbKernels;
import dev.requant.kernels.internal.bnb.VectorBnbEncodeKernels;
import dev.requant.kernels.internal.bnb.VectorBnbKernels;
import dev.requant.kernels.internal.ggml.GgmlCodecs;
import dev.requant.kernels.internal.intpack.ScalarIntPackKernels;
import dev.requant.kernels.internal.intpack.VectorIntPackKernels;
import dev.requant.kernels.intpack.IntPackKernels;
import java.util.Optional;

/**
 * The kernels in use, chosen once at start-up: the Vector API implementations when the
 * {@code jdk.incubator.vector} module is present and the JIT compiles it to vector instructions,
 * the scalar references otherwise or when the system property {@code requant.kernels=scalar}
 * asks for them. Both give identical bits.
 */
public final class Kernels {
    private static final boolean VECTOR = chooseVector();

    private Kernels() {
    }

    /** True when the Vector API implementations are in use. */
    public static boolean vectorized() {
        return VECTOR;
    }

    public static ElementKernels elements() {
        return VECTOR ? VectorElementKernels.INSTANCE : ScalarElementKernels.INSTANCE;
    }

    /** bitsandbytes dequantization: NF4/FP4 lookups, double-quantized scales, LLM.int8 rows. */
    public static BnbKernels bnb() {
        return VECTOR ? VectorBnbKernels.INSTANCE : ScalarBnbKernels.INSTANCE;
    }

    /** bitsandbytes quantization: block absmax, NF4/FP4 codes, the 8-bit codes of double quantization, LLM.int8 rows. */
    public static BnbEncodeKernels bnbEncode() {
        return VECTOR ? VectorBnbEncodeKernels.INSTANCE : ScalarBnbEncodeKernels.INSTANCE;
    }

    /** Unpacking and dequantization of integer codes packed in 32-bit words (GPTQ, AWQ, ...). */
    public static IntPackKernels intPack() {
        return VECTOR ? VectorIntPackKernels.INSTANCE : ScalarIntPackKernels.INSTANCE;
    }

    /** Packed integer codes and the group-wise affine maps of MLX, neural-compressor and GPTQ-style layouts. */
    public static AffineKernels affine() {
        return VECTOR ? VectorAffineKernels.INSTANCE : ScalarAffineKernels.INSTANCE;
    }

    /** MLX's affine quantization: group scale and bias, codes in a bit stream. */
    public static AffineQuantKernels affineQuant() {
        return VECTOR ? VectorAffineQuantKernels.INSTANCE : ScalarAffineQuantKernels.INSTANCE;
    }

    /** The codec of a ggml block type, when requant implements it. */
    public static Optional<BlockCodec> ggml(GgmlType type) {
        return VECTOR ? GgmlCodecs.vector(type) : GgmlCodecs.scalar(type);
    }

    private static boolean chooseVector() {
        if ("scalar".equals(System.getProperty("requant.kernels"))) {
            return false;
        }
        return ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent() && VectorElementKernels.compiled();
    }
}
