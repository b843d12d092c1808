package dev.requant.plugins.compressedtensors;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPackKernels;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.plugins.support.FloatParts;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.Transcoder;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * compressed-tensors integer weights for a Linear of logical shape {@code [out, in]}, every value
 * {@code (q - zp) * scale} in f32 with signed codes and zero points, as compressed-tensors'
 * {@code dequantize} computes it.
 *
 * <ul>
 *   <li>pack-quantized: {@code weight_packed} I32 {@code [out, ceil(in / (32/bits))]} holds
 *       {@code q + 2^(bits-1)} in word-aligned LSB-first fields; {@code weight_shape} {@code [2]}
 *       the logical shape; {@code weight_zero_point}, when asymmetric, I32
 *       {@code [ceil(out / (32/bits)), G]} packed the same way along the output dimension, or, as
 *       compressed-tensors wrote it before 0.9.4, signed I8 {@code [out, G]}.</li>
 *   <li>int-quantized and naive-quantized: {@code weight} I8 {@code [out, in]} holds {@code q};
 *       {@code weight_zero_point}, when asymmetric, I8 shaped like the scales.</li>
 * </ul>
 * {@code weight_scale} is {@code [out, G]} (G groups, or 1 per channel) or {@code [1]} for the
 * whole tensor; {@code weight_g_idx} I32 {@code [in]}, with activation ordering, gives the group
 * of every input column (a -1 in it means column order). Group and channel scales are encoded
 * with compressed-tensors' min-max rule ({@link CompressedTensorsEncoder}); the checkpoint layout is
 * llm-compressor's ({@link CompressedTensorsLayout}); pack-quantized tensors repack exactly into GPTQ
 * ({@link CompressedTensorsToGptq}) and AWQ ({@link CompressedTensorsToAwq}).
 */
@Extension
public final class CompressedTensorsScheme implements QuantScheme {
    static final String PACKED = "weight_packed";
    static final String CODES = "weight";
    static final String SCALE = "weight_scale";
    static final String ZERO_POINT = "weight_zero_point";
    static final String SHAPE = "weight_shape";
    static final String G_IDX = "weight_g_idx";

    private final IntPackKernels k = Kernels.intPack();

    @Override
    public String id() {
        return CompressedTensorsParams.SCHEME;
    }

    @Override
    public String description() {
        return "compressed-tensors integer weights (pack-quantized, int-quantized, naive-quantized): group, channel"
                + " or tensor scales; min-max encoding of group and channel scales";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        return CompressedTensorsParams.of(params).encoding();
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        if (tensor.shape().rank() != 2) {
            return Optional.of("compressed-tensors holds 2-d weights, not " + tensor.shape().rank() + "-d");
        }
        CompressedTensorsParams p = params(tensor);
        long out = tensor.shape().dim(0);
        long in = tensor.shape().dim(1);
        if (p.strategy() == CompressedTensorsParams.Strategy.GROUP && in % p.group() != 0) {
            // compressed-tensors raises a ValueError for columns % group_size != 0
            return Optional.of("row length " + in + " is not a multiple of group " + p.group());
        }
        if (!p.sym() && p.format().packed() && out % p.perWord() != 0) {
            return Optional.of("out_features " + out + " is not a multiple of " + p.perWord() + ": weight_zero_point"
                    + " packs " + p.perWord() + " outputs per int32 word");
        }
        return Optional.empty();
    }

    /** Asymmetric pack-quantized zero points pack {@code 32 / bits} output rows per word. */
    @Override
    public int rowAlignment(TensorInfo tensor) {
        CompressedTensorsParams p = params(tensor);
        return !p.sym() && p.format().packed() ? p.perWord() : 1;
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        CompressedTensorsParams p = params(tensor);
        long out = tensor.shape().dim(0);
        long in = tensor.shape().dim(1);
        boolean perTensor = p.strategy() == CompressedTensorsParams.Strategy.TENSOR;
        Shape scale = perTensor ? Shape.of(1) : Shape.of(out, p.groups(in));
        PartSpec.Rows scaleRows = perTensor ? PartSpec.Rows.NONE : PartSpec.Rows.FIRST;
        List<PartSpec> parts = new ArrayList<>();
        if (p.format().packed()) {
            parts.add(new PartSpec(PACKED, ElementType.I32, Shape.of(out, (in + p.perWord() - 1) / p.perWord())));
        } else {
            parts.add(new PartSpec(CODES, ElementType.I8, Shape.of(out, in)));
        }
        parts.add(new PartSpec(SCALE, p.scales(), scale, scaleRows));
        if (!p.sym()) {
            boolean packedZeros = p.format().packed() && p.strategy() != CompressedTensorsParams.Strategy.TENSOR;
            parts.add(packedZeros
                    ? new PartSpec(ZERO_POINT, ElementType.I32, Shape.of((out + p.perWord() - 1) / p.perWord(), p.groups(in)))
                    : new PartSpec(ZERO_POINT, ElementType.I8, scale, scaleRows));
        }
        if (p.format().packed()) {
            parts.add(new PartSpec(SHAPE, ElementType.I64, Shape.of(2), PartSpec.Rows.NONE));
        }
        return List.copyOf(parts);
    }

    /** Group and channel scales; a whole-tensor scale would need a prepass, not written. */
    @Override
    public boolean canEncode(Encoding encoding) {
        return CompressedTensorsParams.of(encoding.params()).strategy() != CompressedTensorsParams.Strategy.TENSOR;
    }

    @Override
    public TensorEncoder encoder(TensorInfo tensor) {
        CompressedTensorsParams p = params(tensor);
        return new CompressedTensorsEncoder(p, tensor.shape().dim(0), Math.toIntExact(tensor.shape().dim(1)),
                CompressedTensorsEncoder.minMax(p));
    }

    @Override
    public Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target) {
        CompressedTensorsParams p = params(source.info());
        return CompressedTensorsToGptq.of(source, p, target).or(() -> CompressedTensorsToAwq.of(source, p, target));
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return Optional.of(new CompressedTensorsLayout());
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        CompressedTensorsParams p = params(source.info());
        int in = Math.toIntExact(source.info().shape().dim(1));
        TensorPart scale = source.part(SCALE);
        boolean perTensor = scale.spec().shape().numel() == 1;
        int groups = perTensor ? 1 : Math.toIntExact(scale.spec().shape().dim(1));
        int groupSize = p.strategy() == CompressedTensorsParams.Strategy.GROUP ? p.group() : in;
        int[] gIdx = groupIndexes(source, in);
        Optional<TensorPart> zeroPoint = optional(source, ZERO_POINT);
        IntPacking packing = IntPacking.wordAligned(p.bits());
        int offset = p.format().packed() ? 1 << (p.bits() - 1) : 0;

        int wordsPerRow = p.format().packed() ? Math.toIntExact(source.part(PACKED).spec().shape().dim(1)) : 0;
        // slack after the words lets the vector unpacking load whole vectors up to the last field
        int[] words = new int[wordsPerRow + 16];
        int[] codes = new int[in];
        int[] zeros = new int[groups];
        float[] scales = new float[groups];
        for (int r = 0; r < rows; r++) {
            long n = firstRow + r;
            if (p.format().packed()) {
                Words.read(source.part(PACKED).data(), 4 * n * wordsPerRow, words, 0, wordsPerRow);
                k.unpack(packing, words, 0, in, codes, 0);
            } else {
                k.widenI8(source.part(CODES).data(), n * in, codes, 0, in);
            }
            FloatParts.read(scale, perTensor ? 0 : n * groups, scales, 0, groups);
            zeros(zeroPoint, p, packing, n, offset, zeros);
            if (gIdx == null) {
                k.dequantGroups(codes, 0, in, groupSize, zeros, scales, dst, dstOffset + r * in);
            } else {
                k.dequantIndexed(codes, 0, in, gIdx, 0, zeros, scales, dst, dstOffset + r * in);
            }
        }
    }

    /**
     * The zero points of row {@code n} in the codes' terms: the packed codes are {@code q + offset},
     * so the zero point {@code zp} of the formula becomes {@code zp + offset}.
     */
    private static void zeros(Optional<TensorPart> zeroPoint, CompressedTensorsParams p, IntPacking packing, long n,
                              int offset, int[] zeros) {
        if (zeroPoint.isEmpty()) {
            Arrays.fill(zeros, offset);
            return;
        }
        TensorPart zp = zeroPoint.get();
        boolean perTensor = zp.spec().shape().numel() == 1;
        if (zp.spec().dtype() == ElementType.I32 && !perTensor) {
            // packed along the outputs: field n % perWord of word n / perWord of each group's column,
            // stored as zp + offset like the codes
            long wordRow = n / p.perWord();
            int groups = Math.toIntExact(zp.spec().shape().dim(1));
            int[] word = new int[1];
            for (int g = 0; g < zeros.length; g++) {
                word[0] = zp.data().get(Layouts.I32, 4 * (wordRow * groups + g));
                zeros[g] = packing.field(word, n % p.perWord());
            }
            return;
        }
        for (int g = 0; g < zeros.length; g++) {
            long i = perTensor ? 0 : n * zeros.length + g;
            int z = zp.spec().dtype() == ElementType.I8 ? zp.data().get(ValueLayout.JAVA_BYTE, i)
                    : zp.data().get(Layouts.I32, 4 * i);
            zeros[g] = z + offset;
        }
    }

    /** The signed zero points ({@code zp} of the formula; 0 when symmetric) of row {@code n}, for every group. */
    static void signedZeroPoints(StoredTensor source, CompressedTensorsParams p, long n, int[] dst, int dstOffset) {
        int[] z = new int[p.groups(source.info().shape().dim(1))];
        int offset = p.format().packed() ? 1 << (p.bits() - 1) : 0;
        zeros(optional(source, ZERO_POINT), p, IntPacking.wordAligned(p.bits()), n, offset, z);
        for (int g = 0; g < z.length; g++) {
            dst[dstOffset + g] = z[g] - offset;
        }
    }

    /** The stored group of every column, or null when groups are consecutive (no g_idx, or a -1 in it). */
    private static int[] groupIndexes(StoredTensor source, int in) {
        Optional<TensorPart> part = optional(source, G_IDX);
        if (part.isEmpty()) {
            return null;
        }
        int[] g = new int[in];
        Words.read(part.get().data(), 0, g, 0, in);
        for (int v : g) {
            if (v == -1) {
                return null;
            }
        }
        return g;
    }

    private static Optional<TensorPart> optional(StoredTensor t, String role) {
        return t.parts().stream().filter(p -> p.role().equals(role)).findFirst();
    }

    static CompressedTensorsParams params(TensorInfo tensor) {
        if (!(tensor.type() instanceof Encoding e) || !e.scheme().equals(CompressedTensorsParams.SCHEME)) {
            throw new IllegalArgumentException(tensor.name() + " is " + tensor.type().id() + ", not compressed-tensors");
        }
        return CompressedTensorsParams.of(e.params());
    }
}
