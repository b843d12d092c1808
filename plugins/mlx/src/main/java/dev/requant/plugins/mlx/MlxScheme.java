package dev.requant.plugins.mlx;

import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.Kernels;
import dev.requant.kernels.affine.AffineKernels;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
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
 * Decoding only, so far.
 */
@Extension
public final class MlxScheme implements QuantScheme {
    public static final String ID = "mlx";
    static final String WEIGHT = "weight";
    static final String SCALES = "scales";
    static final String BIASES = "biases";

    private static final Set<String> KEYS = Set.of("bits", "group", "scale");
    private static final Set<ElementType> SCALE_TYPES = Set.of(ElementType.F16, ElementType.BF16, ElementType.F32);

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "MLX affine groups (mlx-lm): scale * q + bias, 2 to 8 bits in a uint32 bit stream (decode only)";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        for (String key : params.keySet()) {
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("mlx has no parameter '" + key + "' (bits, group, scale)");
            }
        }
        int bits = number(params, "bits", 4);
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("mlx: bits " + bits + " is not 2 to 8");
        }
        int group = number(params, "group", 64);
        if (group <= 0) {
            throw new IllegalArgumentException("mlx: group " + group + " is not positive");
        }
        String scale = params.getOrDefault("scale", "f16");
        if (ElementType.byId(scale).filter(SCALE_TYPES::contains).isEmpty()) {
            throw new IllegalArgumentException("mlx: scale '" + scale + "' is not f16, bf16 or f32");
        }
        Map<String, String> full = new LinkedHashMap<>();
        full.put("bits", Integer.toString(bits));
        full.put("group", Integer.toString(group));
        full.put("scale", ElementType.byId(scale).orElseThrow().id());
        return new Encoding(ID, full);
    }

    /** The encoding of stored tensors with these parameters and scales of this type. */
    Encoding encoding(int bits, int group, ElementType scale) {
        return encoding(Map.of("bits", Integer.toString(bits), "group", Integer.toString(group), "scale", scale.id()));
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        Encoding e = (Encoding) tensor.type();
        long in = tensor.shape().rowLength();
        int group = number(e.params(), "group", 64);
        if (tensor.shape().rank() < 2) {
            return Optional.of("mlx quantizes matrices; this tensor is " + tensor.shape().rank() + "-d");
        }
        if (in % group != 0) {
            return Optional.of("row length " + in + " is not a multiple of the group size " + group);
        }
        return Optional.empty();
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        Encoding e = (Encoding) tensor.type();
        int bits = number(e.params(), "bits", 4);
        int group = number(e.params(), "group", 64);
        ElementType scale = ElementType.byId(e.param("scale", "f16")).orElseThrow();
        long[] dims = tensor.shape().dims();
        long in = dims[dims.length - 1];
        return List.of(new PartSpec(WEIGHT, ElementType.U32, withLast(dims, in * bits / 32)),
                new PartSpec(SCALES, scale, withLast(dims, in / group)),
                new PartSpec(BIASES, scale, withLast(dims, in / group)));
    }

    @Override
    public boolean canEncode(Encoding encoding) {
        return false;
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        Encoding e = (Encoding) source.info().type();
        int bits = number(e.params(), "bits", 4);
        int group = number(e.params(), "group", 64);
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
            readFloats(scales, row * groups, s, groups);
            readFloats(biases, row * groups, b, groups);
            affine.unpackStream(weight.data(), row * rowBytes, bits, q, 0, in);
            affine.scaleBias(q, 0, s, b, 0, group, dst, dstOffset + r * in, in);
        }
    }

    @Override
    public void encode(TensorInfo tensor, float[] src, int srcOffset, int rows, MemorySegment[] out) {
        throw new UnsupportedOperationException("mlx: requant decodes MLX checkpoints but does not write them yet");
    }

    /** Values {@code [first, first + count)} of a float part, as f32. */
    private static void readFloats(TensorPart part, long first, float[] dst, int count) {
        ElementKernels k = Kernels.elements();
        MemorySegment data = part.data();
        switch (part.spec().dtype()) {
            case F16 -> k.readF16(data, 2 * first, dst, 0, count);
            case BF16 -> k.readBf16(data, 2 * first, dst, 0, count);
            case F32 -> k.readF32(data, 4 * first, dst, 0, count);
            default -> throw new IllegalStateException(part.role() + " is " + part.spec().dtype().id()
                    + "; the reader admits f16, bf16 and f32 only");
        }
    }

    private static int number(Map<String, String> params, String key, int fallback) {
        String v = params.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException("mlx: " + key + " '" + v + "' is not an integer");
        }
    }

    private static Shape withLast(long[] dims, long last) {
        long[] d = dims.clone();
        d[d.length - 1] = last;
        return Shape.of(d);
    }
}
