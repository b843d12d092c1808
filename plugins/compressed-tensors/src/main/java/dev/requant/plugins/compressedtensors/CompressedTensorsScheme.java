package dev.requant.plugins.compressedtensors;

import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.CODES;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.G_IDX;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.PACKED;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.SCALE;
import static dev.requant.plugins.compressedtensors.CompressedTensorsParts.ZERO_POINT;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.intpack.IntPackKernels;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.plugins.support.FloatParts;
import dev.requant.spi.CheckpointLayout;
import dev.requant.spi.Encoding;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.Transcoder;
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
        CompressedTensorsParams p = CompressedTensorsParams.of(tensor);
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
        CompressedTensorsParams p = CompressedTensorsParams.of(tensor);
        return !p.sym() && p.format().packed() ? p.perWord() : 1;
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        return CompressedTensorsParts.of(CompressedTensorsParams.of(tensor), tensor.shape().dim(0), tensor.shape().dim(1));
    }

    /** Group and channel scales; a whole-tensor scale would need a prepass, not written. */
    @Override
    public boolean canEncode(Encoding encoding) {
        return CompressedTensorsParams.of(encoding.params()).strategy() != CompressedTensorsParams.Strategy.TENSOR;
    }

    @Override
    public TensorEncoder encoder(TensorInfo tensor) {
        CompressedTensorsParams p = CompressedTensorsParams.of(tensor);
        return new CompressedTensorsEncoder(p, tensor.shape().dim(0), Math.toIntExact(tensor.shape().dim(1)),
                CompressedTensorsEncoder.minMax(p));
    }

    @Override
    public Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target) {
        CompressedTensorsParams p = CompressedTensorsParams.of(source.info());
        return CompressedTensorsToGptq.of(source, p, target).or(() -> CompressedTensorsToAwq.of(source, p, target));
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return Optional.of(new CompressedTensorsLayout());
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        CompressedTensorsParams p = CompressedTensorsParams.of(source.info());
        int in = Math.toIntExact(source.info().shape().dim(1));
        TensorPart scale = source.part(SCALE);
        boolean perTensor = scale.spec().shape().numel() == 1;
        int groups = perTensor ? 1 : Math.toIntExact(scale.spec().shape().dim(1));
        int groupSize = p.strategy() == CompressedTensorsParams.Strategy.GROUP ? p.group() : in;
        int[] gIdx = groupIndexes(source, in);
        Optional<TensorPart> zeroPoint = CompressedTensorsParts.find(source, ZERO_POINT);
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
            CompressedTensorsZeroPoints.inCodeTerms(zeroPoint, p, packing, n, offset, zeros);
            if (gIdx == null) {
                k.dequantGroups(codes, 0, in, groupSize, zeros, scales, dst, dstOffset + r * in);
            } else {
                k.dequantIndexed(codes, 0, in, gIdx, 0, zeros, scales, dst, dstOffset + r * in);
            }
        }
    }

    /** The stored group of every column, or null when groups are consecutive (no g_idx, or a -1 in it). */
    private static int[] groupIndexes(StoredTensor source, int in) {
        Optional<TensorPart> part = CompressedTensorsParts.find(source, G_IDX);
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
}
