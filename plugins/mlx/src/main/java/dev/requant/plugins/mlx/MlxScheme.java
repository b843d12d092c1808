package dev.requant.plugins.mlx;

import static dev.requant.plugins.mlx.MlxParts.BIASES;
import static dev.requant.plugins.mlx.MlxParts.SCALES;
import static dev.requant.plugins.mlx.MlxParts.WEIGHT;

import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.Kernels;
import dev.requant.kernels.affine.AffineKernels;
import dev.requant.plugins.support.FloatParts;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.pf4j.Extension;

/**
 * MLX's affine quantization: {@code mlx{bits:B,group:G,scale:T}}. Each row of a weight
 * {@code [..., out, in]} is cut into groups of {@code G} values; a value is {@code scale * q + bias}
 * with the group's scale and bias (stored as {@code T}: f16, bf16 or f32, the model's dtype) and
 * a {@code B}-bit code {@code q} (2 to 8 bits). Parts: {@code weight} (uint32
 * {@code [..., out, in*B/32]}, the codes of a row as one little-endian bit stream), {@code scales}
 * and {@code biases} ({@code [..., out, in/G]}). Defaults are mlx's: 4 bits, groups of 64, f16.
 * Encoding is {@code mx.quantize}'s (see {@code AffineQuantKernels}), for the widths and group sizes
 * mlx's affine mode has: 2, 3, 4, 5, 6 or 8 bits, groups of 32, 64 or 128.
 */
@Extension
public final class MlxScheme implements QuantScheme {
    public static final String ID = "mlx";

    private static final Set<Integer> ENCODED_BITS = Set.of(2, 3, 4, 5, 6, 8);
    private static final Set<Integer> ENCODED_GROUPS = Set.of(32, 64, 128);

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "MLX affine groups (mlx-lm): scale * q + bias, 2 to 8 bits in a uint32 bit stream (mx.quantize's encoding)";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        return MlxParams.of(params).encoding();
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        MlxParams p = MlxParams.of(((Encoding) tensor.type()).params());
        long in = tensor.shape().rowLength();
        if (tensor.shape().rank() < 2) {
            return Optional.of("mlx quantizes matrices; this tensor is " + tensor.shape().rank() + "-d");
        }
        if (in % p.group() != 0) {
            return Optional.of("row length " + in + " is not a multiple of the group size " + p.group());
        }
        if (in * p.bits() % 32 != 0) {
            return Optional.of("row length " + in + " at " + p.bits() + " bits does not fill whole uint32 words");
        }
        if (!tensor.name().endsWith("." + WEIGHT)) {
            return Optional.of("mlx stores a quantized module's P.weight, P.scales and P.biases; this tensor is not"
                    + " named P.weight");
        }
        return Optional.empty();
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        MlxParams p = MlxParams.of(((Encoding) tensor.type()).params());
        long[] dims = tensor.shape().dims();
        long in = dims[dims.length - 1];
        return List.of(new PartSpec(WEIGHT, ElementType.U32, withLast(dims, in * p.bits() / 32)),
                new PartSpec(SCALES, p.scale(), withLast(dims, in / p.group())),
                new PartSpec(BIASES, p.scale(), withLast(dims, in / p.group())));
    }

    /** mlx's affine mode: 2, 3, 4, 5, 6 or 8 bits, groups of 32, 64 or 128. */
    @Override
    public boolean canEncode(Encoding encoding) {
        MlxParams p = MlxParams.of(encoding.params());
        return ENCODED_BITS.contains(p.bits()) && ENCODED_GROUPS.contains(p.group());
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        MlxParams p = MlxParams.of(((Encoding) source.info().type()).params());
        int bits = p.bits();
        int group = p.group();
        int in = Math.toIntExact(source.info().shape().rowLength());
        int groups = in / group;
        long rowBytes = (long) in * bits / 8;
        TensorPart weight = source.part(WEIGHT);
        TensorPart scales = source.part(SCALES);
        TensorPart biases = source.part(BIASES);
        AffineKernels affine = Kernels.affine();
        int[] q = new int[in];
        float[] s = new float[groups];
        float[] b = new float[groups];
        for (int r = 0; r < rows; r++) {
            long row = firstRow + r;
            FloatParts.read(scales, row * groups, s, 0, groups);
            FloatParts.read(biases, row * groups, b, 0, groups);
            affine.unpackStream(weight.data(), row * rowBytes, bits, q, 0, in);
            affine.scaleBias(q, 0, s, b, 0, group, dst, dstOffset + r * in, in);
        }
    }

    @Override
    public void encode(TensorInfo tensor, float[] src, int srcOffset, int rows, MemorySegment[] out) {
        MlxParams p = MlxParams.of(((Encoding) tensor.type()).params());
        int in = Math.toIntExact(tensor.shape().rowLength());
        int groups = rows * (in / p.group());
        float[] scales = new float[groups];
        float[] biases = new float[groups];
        Kernels.affineQuant().quantizeRows(src, srcOffset, rows, in, p.group(), p.bits(), out[0], 0, scales, biases,
                0);
        writeFloats(p.scale(), scales, out[1], groups);
        writeFloats(p.scale(), biases, out[2], groups);
    }

    /** f32 values stored as the model's type, rounded to nearest even as mlx's casts do. */
    private static void writeFloats(ElementType type, float[] values, MemorySegment dst, int count) {
        ElementKernels k = Kernels.elements();
        switch (type) {
            case F16 -> k.writeF16(values, 0, dst, 0, count);
            case BF16 -> k.writeBf16(values, 0, dst, 0, count);
            case F32 -> k.writeF32(values, 0, dst, 0, count);
            default -> throw new IllegalStateException("scales of type " + type.id());
        }
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return Optional.of(new MlxLayout());
    }

    private static Shape withLast(long[] dims, long last) {
        long[] d = dims.clone();
        d[d.length - 1] = last;
        return Shape.of(d);
    }
}
