package dev.requant.plugins.inc;

import static dev.requant.plugins.inc.IncParts.G_IDX;
import static dev.requant.plugins.inc.IncParts.QWEIGHT;
import static dev.requant.plugins.inc.IncParts.QZEROS;
import static dev.requant.plugins.inc.IncParts.SCALES;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.affine.AffineKernels;
import dev.requant.plugins.support.FloatParts;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * neural-compressor's weight-only integer quantization of a Linear weight {@code [out, in]}:
 * {@code value = (q - zero) * scale}, per group of {@code group} input columns (or per column's
 * {@code g_idx} group with act-order), as {@code INCWeightOnlyLinear.recover} computes it.
 *
 * <p>{@code inc{format:optimum,bits,group,sym,act_order,scale}}, the GPTQ-compatible export:
 * {@code qweight} int32 {@code [ceil(in/n), out]} (n = 32/bits codes per word, packed along the
 * input, lowest bits first, none crossing a word), {@code qzeros} int32
 * {@code [groups, ceil(out/n)]} (packed along the output), {@code scales} {@code [groups, out]}.
 * Zero points are stored minus one; the reader adds one back and takes a result above
 * {@code 2^bits - 1} as 0, so a zero point of 0 (stored as all ones) survives. For 2, 4 and 8 bits
 * these are GPTQ's bytes; 3-bit codes are packed 10 per word, not as GPTQ's 96-bit blocks.
 *
 * <p>{@code inc{format:native,...,dim,word}}, the native export: {@code scales} {@code [out, groups]};
 * codes packed in {@code word} integers (i8 to i64) along the input ({@code dim:1}: {@code qweight}
 * {@code [out, ceil(in/n)]}, {@code qzeros} {@code [out, ceil(groups/n)]}) or along the output
 * ({@code dim:0}: {@code [ceil(out/n), in]} and {@code [ceil(out/n), groups]}). Zero points are
 * stored as they are and only for asymmetric quantization; symmetric codes are stored signed.
 *
 * <p>Decoding only, so far.
 */
@Extension
public final class IncScheme implements QuantScheme {
    public static final String ID = "inc";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String description() {
        return "neural-compressor weight-only int (GPTQ-compatible and native exports): (q - zero) * scale (decode only)";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        return IncParams.of(params).encoding();
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        return tensor.shape().rank() == 2 ? Optional.empty()
                : Optional.of("inc quantizes Linear weights [out, in]; this tensor is " + tensor.shape().rank() + "-d");
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        IncParams e = IncParams.of(((Encoding) tensor.type()).params());
        return e.layout(tensor.shape().dim(0), tensor.shape().dim(1));
    }

    @Override
    public boolean canEncode(Encoding encoding) {
        return false;
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        IncParams e = IncParams.of(((Encoding) source.info().type()).params());
        int in = Math.toIntExact(source.info().shape().dim(1));
        int[] groups = e.actOrder() ? IncGroupIndexes.read(source.part(G_IDX), in) : null;
        if (e.optimum()) {
            decodeOptimum(source, e, groups, Math.toIntExact(firstRow), rows, dst, dstOffset);
        } else {
            decodeNative(source, e, groups, firstRow, rows, dst, dstOffset);
        }
    }

    @Override
    public void encode(TensorInfo tensor, float[] src, int srcOffset, int rows, MemorySegment[] out) {
        throw new UnsupportedOperationException("inc: requant decodes neural-compressor exports but does not write them yet");
    }

    /**
     * Column by column: the codes of input column {@code k} for the rows asked are one field of
     * consecutive words of {@code qweight}; zero points and scales of every group are unpacked once.
     */
    private static void decodeOptimum(StoredTensor t, IncParams e, int[] gIdx, int firstRow, int rows,
                                      float[] dst, int dstOffset) {
        AffineKernels affine = Kernels.affine();
        int out = Math.toIntExact(t.info().shape().dim(0));
        int in = Math.toIntExact(t.info().shape().dim(1));
        int n = e.perWord();
        int maxq = (1 << e.bits()) - 1;
        int groupCount = Math.toIntExact(e.groups(in));
        long groupSize = e.groupSize(in);
        long zeroWords = IncParams.ceil(out, n);
        int skip = firstRow % n;
        int[] unpacked = new int[skip + rows];
        int[][] zeros = new int[groupCount][rows];
        float[][] scales = new float[groupCount][rows];
        MemorySegment qzeros = t.part(QZEROS).data();
        for (int g = 0; g < groupCount; g++) {
            affine.unpackWords(qzeros, 4 * (g * zeroWords + firstRow / n), 4, e.bits(), false, unpacked, 0, skip + rows);
            for (int i = 0; i < rows; i++) {
                int zero = unpacked[skip + i] + 1;
                zeros[g][i] = zero > maxq ? 0 : zero;
            }
            FloatParts.read(t.part(SCALES), (long) g * out + firstRow, scales[g], 0, rows);
        }
        MemorySegment qweight = t.part(QWEIGHT).data();
        int[] q = new int[rows];
        float[] column = new float[rows];
        for (int k = 0; k < in; k++) {
            affine.extractField(qweight, 4 * ((long) (k / n) * out + firstRow), 4, (k % n) * e.bits(), e.bits(), false,
                    q, 0, rows);
            int g = gIdx != null ? gIdx[k] : (int) (k / groupSize);
            affine.zeroScale(q, 0, zeros[g], scales[g], 0, 1, column, 0, rows);
            for (int i = 0; i < rows; i++) {
                dst[dstOffset + i * in + k] = column[i];
            }
        }
    }

    /** Row by row: a row's codes, zero points and scales are contiguous (dim 1) or one field of a word row (dim 0). */
    private static void decodeNative(StoredTensor t, IncParams e, int[] gIdx, long firstRow, int rows,
                                     float[] dst, int dstOffset) {
        AffineKernels affine = Kernels.affine();
        int in = Math.toIntExact(t.info().shape().dim(1));
        int groupCount = Math.toIntExact(e.groups(in));
        int groupSize = Math.toIntExact(e.groupSize(in));
        int n = e.perWord();
        int wb = e.wordBytes();
        long codeWords = IncParams.ceil(in, n);
        long zeroWords = IncParams.ceil(groupCount, n);
        MemorySegment qweight = t.part(QWEIGHT).data();
        MemorySegment qzeros = e.hasZeros() ? t.part(QZEROS).data() : null;
        int[] q = new int[in];
        int[] zeros = new int[groupCount];
        float[] scales = new float[groupCount];
        for (int r = 0; r < rows; r++) {
            long row = firstRow + r;
            if (e.dim() == 1) {
                affine.unpackWords(qweight, wb * row * codeWords, wb, e.bits(), e.sym(), q, 0, in);
                if (qzeros != null) {
                    affine.unpackWords(qzeros, wb * row * zeroWords, wb, e.bits(), false, zeros, 0, groupCount);
                }
            } else {
                int shift = (int) (row % n) * e.bits();
                affine.extractField(qweight, wb * (row / n) * in, wb, shift, e.bits(), e.sym(), q, 0, in);
                if (qzeros != null) {
                    affine.extractField(qzeros, wb * (row / n) * groupCount, wb, shift, e.bits(), false, zeros, 0,
                            groupCount);
                }
            }
            FloatParts.read(t.part(SCALES), row * groupCount, scales, 0, groupCount);
            if (gIdx != null) {
                affine.zeroScaleGather(q, 0, zeros, scales, gIdx, 0, dst, dstOffset + r * in, in);
            } else {
                affine.zeroScale(q, 0, zeros, scales, 0, groupSize, dst, dstOffset + r * in, in);
            }
        }
    }
}
