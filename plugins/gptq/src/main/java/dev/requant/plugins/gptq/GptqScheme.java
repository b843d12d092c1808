package dev.requant.plugins.gptq;

import static dev.requant.plugins.gptq.GptqParts.G_IDX;
import static dev.requant.plugins.gptq.GptqParts.QWEIGHT;
import static dev.requant.plugins.gptq.GptqParts.QZEROS;
import static dev.requant.plugins.gptq.GptqParts.SCALES;

import dev.requant.kernels.Kernels;
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
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorPart;
import dev.requant.spi.Transcoder;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * GPTQ as AutoGPTQ and GPTQModel store it, for a Linear of logical shape {@code [out, in]}:
 * {@code qweight} I32 {@code [words(in), out]} (codes packed along the input dimension, so one
 * logical row is one column of it), {@code qzeros} I32 {@code [G, words(out)]}, {@code scales}
 * {@code [G, out]} and {@code g_idx} I32 {@code [in]} (the group of every input column). Codes are
 * an LSB-first bit stream (3-bit codes cross words). Every value is
 * {@code scales[g][n] * (code - zero[g][n])} in f32 with {@code g = g_idx[k]}, as GPTQModel's
 * dequantization computes it.
 *
 * <p>Zero points of format {@code v1} are stored minus one. They are read as GPTQModel's v1-to-v2
 * conversion does: for 2, 4 and 8 bits one is added to every field of the whole word at once
 * (0x55555555, 0x11111111, 0x01010101), so a field that borrowed from its neighbour when a zero
 * of 0 was stored gives it back; a per-field "+1" gets both fields wrong. 3-bit fields cross
 * words and are corrected field by field, wrapping ({@code (z + 1) & 7}).
 *
 * <p>Encoding is round-to-nearest without act-order ({@link GptqEncoder}); a symmetric 4-bit tensor
 * whose groups are whole 32-blocks transcodes exactly to {@code q4_0}, an asymmetric one to
 * {@code q4_1} ({@link GptqToQ4}). The checkpoint layout is GPTQModel's ({@link GptqLayout}).
 */
@Extension
public final class GptqScheme implements QuantScheme {
    private static final IntPackKernels K = Kernels.intPack();

    @Override
    public String id() {
        return GptqParams.SCHEME;
    }

    @Override
    public String description() {
        return "GPTQ (AutoGPTQ, GPTQModel): 2/3/4/8-bit codes in int32, group scales and zero points, act-order;"
                + " decode only";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        return GptqParams.of(params).encoding();
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        if (tensor.shape().rank() != 2) {
            return Optional.of("gptq holds 2-d weights, not " + tensor.shape().rank() + "-d");
        }
        GptqParams p = GptqParams.of(tensor);
        long out = tensor.shape().dim(0);
        long in = tensor.shape().dim(1);
        if (p.descAct()) {
            return Optional.of("act-order (desc_act:true) needs calibration data; requant encodes gptq without it");
        }
        int align = alignment(p);
        if (out % align != 0) {
            return Optional.of("out_features " + out + " is not a multiple of " + align + ": qzeros packs "
                    + (p.bits() == 3 ? "32 outputs in 3 int32 words" : 32 / p.bits() + " outputs per int32 word"));
        }
        if (p.group() != -1 && in % p.group() != 0 && !p.pad()) {
            return Optional.of("row length " + in + " is not a multiple of group " + p.group() + " (pad:true stores a"
                    + " partial last group, as GPTQModel does)");
        }
        return Optional.empty();
    }

    /** Output rows per qzeros word unit: 32/bits, and 32 for 3-bit codes (3 words hold 32). */
    private static int alignment(GptqParams p) {
        return p.bits() == 3 ? 32 : 32 / p.bits();
    }

    @Override
    public int rowAlignment(TensorInfo tensor) {
        return alignment(GptqParams.of(tensor));
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        GptqParams p = GptqParams.of(tensor);
        long out = tensor.shape().dim(0);
        long in = tensor.shape().dim(1);
        IntPacking packing = IntPacking.stream(p.bits());
        int groups = p.groups(in);
        return List.of(
                new PartSpec(QWEIGHT, ElementType.I32, Shape.of(packing.wordsFor(in), out), PartSpec.Rows.LAST),
                new PartSpec(QZEROS, ElementType.I32, Shape.of(groups, packing.wordsFor(out)), PartSpec.Rows.LAST),
                new PartSpec(SCALES, ElementType.F16, Shape.of(groups, out), PartSpec.Rows.LAST),
                new PartSpec(G_IDX, ElementType.I32, Shape.of(in), PartSpec.Rows.NONE));
    }

    @Override
    public boolean canEncode(Encoding encoding) {
        return !GptqParams.of(encoding.params()).descAct();
    }

    @Override
    public TensorEncoder encoder(TensorInfo tensor) {
        GptqParams p = GptqParams.of(tensor);
        return new GptqEncoder(p, Math.toIntExact(tensor.shape().dim(1)), GptqEncoder.roundToNearest(p));
    }

    @Override
    public Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target) {
        GptqParams p = GptqParams.of(source.info());
        return GptqToQ4.of(source, p, target).or(() -> GptqRepack.of(source, p, target));
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return Optional.of(new GptqLayout());
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        GptqParams p = GptqParams.of(source.info());
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        IntPacking packing = IntPacking.stream(p.bits());
        TensorPart qweight = source.part(QWEIGHT);
        TensorPart scales = source.part(SCALES);
        int groups = Math.toIntExact(scales.spec().shape().dim(0));
        int groupSize = p.group() == -1 ? in : p.group();
        int[] gIdx = GptqGroupIndexes.scattered(source, in, groupSize);

        // zero points and scales of the rows asked for, per group: [g][row]
        int[] zeroTable = new int[groups * rows];
        float[] scaleTable = new float[groups * rows];
        GptqZeroPoints.read(source.part(QZEROS), p, packing, firstRow, rows, zeroTable);
        for (int g = 0; g < groups; g++) {
            FloatParts.read(scales, (long) g * out + firstRow, scaleTable, g * rows, rows);
        }

        int wordsPerRow = Math.toIntExact(qweight.spec().shape().dim(0));
        // slack after the words lets the vector unpacking load whole vectors up to the last field
        int[] words = new int[wordsPerRow + 16];
        int[] codes = new int[in];
        int[] zeros = new int[groups];
        float[] scaleRow = new float[groups];
        for (int r = 0; r < rows; r++) {
            long n = firstRow + r;
            Words.gather(qweight.data(), 4 * n, 4L * out, words, 0, wordsPerRow);
            K.unpack(packing, words, 0, in, codes, 0);
            for (int g = 0; g < groups; g++) {
                zeros[g] = zeroTable[g * rows + r];
                scaleRow[g] = scaleTable[g * rows + r];
            }
            if (gIdx == null) {
                K.dequantGroups(codes, 0, in, groupSize, zeros, scaleRow, dst, dstOffset + r * in);
            } else {
                K.dequantIndexed(codes, 0, in, gIdx, 0, zeros, scaleRow, dst, dstOffset + r * in);
            }
        }
    }
}
