package dev.requant.plugins.mlx;

import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * One quantized Linear or Embedding of an MLX checkpoint: {@code P.weight} (uint32 codes),
 * {@code P.scales} and {@code P.biases}, as the safetensors container holds them.
 *
 * @param prefix the module path {@code P}
 */
record MlxModule(String prefix, StoredTensor weight, StoredTensor scales, StoredTensor biases) {
    private static final Set<ElementType> FLOATS = Set.of(ElementType.F16, ElementType.BF16, ElementType.F32);

    String name() {
        return prefix + "." + MlxParts.WEIGHT;
    }

    /** uint32 words per row of the weight. */
    long words() {
        return last(weight);
    }

    /** Groups per row: the last dimension of scales and biases. */
    long groups() {
        return last(scales);
    }

    /** Dimensions of the weight but the last: {@code [..., out]}. */
    long[] leading() {
        long[] d = weight.info().shape().dims();
        return Arrays.copyOf(d, d.length - 1);
    }

    /**
     * Checks what does not depend on bits and group size: element types, and that weight, scales
     * and biases have the same leading dimensions.
     */
    void checkParts(Path file) throws BadInputException {
        ElementType w = dtype(weight);
        ElementType s = dtype(scales);
        ElementType b = dtype(biases);
        if (w != ElementType.U32) {
            throw problem(file, "is " + w.id() + ", but the " + prefix + ".scales and .biases beside it make it"
                    + " MLX's packed codes, which are uint32");
        }
        if (!FLOATS.contains(s)) {
            throw problem(file, "its scales are " + s.id() + ": MLX stores scales and biases as f16, bf16 or f32");
        }
        if (b != s) {
            throw problem(file, "its scales are " + s.id() + " but its biases " + b.id()
                    + ": MLX stores both in the model's float type");
        }
        Shape ws = weight.info().shape();
        Shape ss = scales.info().shape();
        if (!ss.equals(biases.info().shape())) {
            throw problem(file, "its scales " + ss + " and biases " + biases.info().shape() + " differ in shape");
        }
        if (ws.rank() < 2 || ss.rank() != ws.rank()
                || !Arrays.equals(leading(), Arrays.copyOf(ss.dims(), ss.rank() - 1))) {
            throw problem(file, ws + " and its scales " + ss + " do not share the leading dimensions [..., out]");
        }
        if (groups() == 0 || words() == 0) {
            throw problem(file, ws + " with scales " + ss + " holds no values per row");
        }
    }

    /** Checks the packed width against bits and group size. */
    void checkWidth(Path file, MlxConfig.Params p, String source) throws BadInputException {
        if (p.bits() < 2 || p.bits() > 8) {
            throw problem(file, "bits " + p.bits() + " (" + source + "): MLX's affine mode packs 2 to 8 bits");
        }
        long in = groups() * p.groupSize();
        if (words() * 32 != in * p.bits()) {
            throw problem(file, "has " + words() + " uint32 words per row, but its scales and biases have "
                    + groups() + " groups of " + p.groupSize() + " values, which at " + p.bits() + " bits take "
                    + (in * p.bits() % 32 == 0 ? in * p.bits() / 32 + " words" : in * p.bits() + " bits, not whole words")
                    + " (" + source + ": " + p + ")");
        }
    }

    /** The logical tensor {@code P.weight [..., out, in]} of encoding {@code mlx{...}}. */
    StoredTensor logical(MlxConfig.Params p) {
        long[] dims = weight.info().shape().dims();
        dims[dims.length - 1] = groups() * p.groupSize();
        TensorInfo info = new TensorInfo(name(), Shape.of(dims),
                new MlxParams(p.bits(), p.groupSize(), dtype(scales)).encoding());
        return new StoredTensor(info, List.of(part(MlxParts.WEIGHT, weight), part(MlxParts.SCALES, scales),
                part(MlxParts.BIASES, biases)));
    }

    /** A problem with this module, reported on its logical tensor {@code P.weight}. */
    BadInputException problem(Path file, String what) {
        return BadInputException.inTensor(file, name(), what);
    }

    private static TensorPart part(String role, StoredTensor t) {
        TensorPart data = t.parts().getFirst();
        return new TensorPart(new PartSpec(role, data.spec().dtype(), data.spec().shape()), data.data());
    }

    private static ElementType dtype(StoredTensor t) {
        return (ElementType) t.info().type();
    }

    private static long last(StoredTensor t) {
        Shape s = t.info().shape();
        return s.rank() == 0 ? 1 : s.dim(s.rank() - 1);
    }
}
