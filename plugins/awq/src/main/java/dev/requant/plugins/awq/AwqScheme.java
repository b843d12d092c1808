package dev.requant.plugins.awq;

import static dev.requant.plugins.awq.AwqParts.QWEIGHT;
import static dev.requant.plugins.awq.AwqParts.QZEROS;
import static dev.requant.plugins.awq.AwqParts.SCALES;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPackKernels;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.kernels.intpack.Words;
import dev.requant.plugins.support.AwqPacking;
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
import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.pf4j.Extension;

/**
 * AWQ as AutoAWQ stores it, for a Linear of logical shape {@code [out, in]} with 4-bit codes,
 * zero points and scales per group of {@code group} input columns. Every value is
 * {@code (code - zero) * scale} in f32, AutoAWQ's dequantization.
 *
 * <ul>
 *   <li>GEMM: {@code qweight} I32 {@code [in, out/8]} and {@code qzeros} I32 {@code [G, out/8]}
 *       pack eight output columns per word, field {@code f} holding column
 *       {@code 8w + AwqPacking.ORDER[f]}, ORDER = 0, 2, 4, 6, 1, 3, 5, 7; {@code scales} {@code [G, out]}.</li>
 *   <li>GEMV: {@code qweight} I32 {@code [out, in/8]} packs eight input columns per word in order;
 *       {@code qzeros} I32 {@code [out, ZW]} likewise the groups, padded to ZW words
 *       ({@link AwqParams#gemvZeroWords}); {@code scales} {@code [out, 8 ZW]}, of which the
 *       first G columns are used.</li>
 * </ul>
 * Encoding is round-to-nearest with AutoAWQ's scale and zero-point rule ({@link AwqEncoder}); the
 * checkpoint layout is AutoAWQ's ({@link AwqLayout}); AWQ repacks exactly into GPTQ and compressed-tensors ({@link AwqRepack}).
 */
@Extension
public final class AwqScheme implements QuantScheme {
    private static final IntPacking NIBBLES = IntPacking.stream(4);

    private final IntPackKernels k = Kernels.intPack();

    @Override
    public String id() {
        return AwqParams.SCHEME;
    }

    @Override
    public String description() {
        return "AWQ (AutoAWQ GEMM and GEMV): 4-bit codes in int32 with group scales and zero points; round-to-nearest encoding";
    }

    @Override
    public Encoding encoding(Map<String, String> params) {
        return AwqParams.of(params).encoding();
    }

    @Override
    public Optional<String> fit(TensorInfo tensor) {
        if (tensor.shape().rank() != 2) {
            return Optional.of("awq holds 2-d weights, not " + tensor.shape().rank() + "-d");
        }
        AwqParams p = AwqParams.of(tensor);
        long out = tensor.shape().dim(0);
        long in = tensor.shape().dim(1);
        if (in % p.group() != 0) {
            return Optional.of("row length " + in + " is not a multiple of the group size " + p.group());
        }
        if (p.version() == AwqParams.Version.GEMM ? out % 8 != 0 : in % 8 != 0) {
            return Optional.of((p.version() == AwqParams.Version.GEMM ? out + " rows" : "row length " + in)
                    + " is not a multiple of 8 (8 codes per int32)");
        }
        return Optional.empty();
    }

    @Override
    public List<PartSpec> layout(TensorInfo tensor) {
        AwqParams p = AwqParams.of(tensor);
        long out = tensor.shape().dim(0);
        long in = tensor.shape().dim(1);
        int groups = p.groups(in);
        return switch (p.version()) {
            case GEMM -> List.of(
                    new PartSpec(QWEIGHT, ElementType.I32, Shape.of(in, out / 8), PartSpec.Rows.LAST),
                    new PartSpec(QZEROS, ElementType.I32, Shape.of(groups, out / 8), PartSpec.Rows.LAST),
                    new PartSpec(SCALES, ElementType.F16, Shape.of(groups, out), PartSpec.Rows.LAST));
            case GEMV -> {
                int zw = p.gemvZeroWords(in);
                yield List.of(
                        new PartSpec(QWEIGHT, ElementType.I32, Shape.of(out, in / 8)),
                        new PartSpec(QZEROS, ElementType.I32, Shape.of(out, zw)),
                        new PartSpec(SCALES, ElementType.F16, Shape.of(out, 8L * zw)));
            }
        };
    }

    /** GEMM packs eight output rows per word. */
    @Override
    public int rowAlignment(TensorInfo tensor) {
        return AwqParams.of(tensor).version() == AwqParams.Version.GEMM ? 8 : 1;
    }

    @Override
    public TensorEncoder encoder(TensorInfo tensor) {
        return new AwqEncoder(AwqParams.of(tensor), Math.toIntExact(tensor.shape().dim(1)), AwqEncoder.roundToNearest());
    }

    @Override
    public Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target) {
        return AwqRepack.of(source, AwqParams.of(source.info()), target);
    }

    @Override
    public Optional<CheckpointLayout> checkpointLayout() {
        return Optional.of(new AwqLayout());
    }

    @Override
    public void decode(StoredTensor source, long firstRow, int rows, float[] dst, int dstOffset) {
        AwqParams p = AwqParams.of(source.info());
        switch (p.version()) {
            case GEMM -> decodeGemm(source, p, firstRow, rows, dst, dstOffset);
            case GEMV -> decodeGemv(source, p, firstRow, rows, dst, dstOffset);
        }
    }

    /**
     * Eight output rows share each word: the words of a block of eight rows are read once (a
     * column of {@code qweight}) and spread over the eight rows.
     */
    private void decodeGemm(StoredTensor source, AwqParams p, long firstRow, int rows, float[] dst, int dstOffset) {
        int out = Math.toIntExact(source.info().shape().dim(0));
        int in = Math.toIntExact(source.info().shape().dim(1));
        int groups = p.groups(in);
        MemorySegment qweight = source.part(QWEIGHT).data();
        MemorySegment qzeros = source.part(QZEROS).data();
        TensorPart scales = source.part(SCALES);
        int wordsPerRow = out / 8;
        int[] words = new int[in];
        int[] codes = new int[8 * in];
        int[] zeros = new int[groups];
        float[] scaleRow = new float[groups];
        long end = firstRow + rows;
        for (long block = firstRow / 8; block * 8 < end; block++) {
            Words.gather(qweight, 4 * block, 4L * wordsPerRow, words, 0, in);
            k.unpackAcross(4, words, in, AwqPacking.ORDER, codes, 0, in);
            for (long n = Math.max(firstRow, block * 8); n < Math.min(end, block * 8 + 8); n++) {
                int field = AwqPacking.FIELD[(int) (n % 8)];
                for (int g = 0; g < groups; g++) {
                    int word = qzeros.get(Layouts.I32, 4 * ((long) g * wordsPerRow + block));
                    zeros[g] = (word >>> (4 * field)) & 15;
                    FloatParts.read(scales, (long) g * out + n, scaleRow, g, 1);
                }
                k.dequantGroups(codes, (int) (n % 8) * in, in, p.group(), zeros, scaleRow, dst,
                        dstOffset + Math.toIntExact((n - firstRow) * in));
            }
        }
    }

    /** One output row per row of every part. */
    private void decodeGemv(StoredTensor source, AwqParams p, long firstRow, int rows, float[] dst, int dstOffset) {
        int in = Math.toIntExact(source.info().shape().dim(1));
        int groups = p.groups(in);
        MemorySegment qweight = source.part(QWEIGHT).data();
        MemorySegment qzeros = source.part(QZEROS).data();
        TensorPart scales = source.part(SCALES);
        int wordsPerRow = in / 8;
        int zeroWords = Math.toIntExact(source.part(QZEROS).spec().shape().dim(1));
        int scaleColumns = Math.toIntExact(scales.spec().shape().dim(1));
        // slack after the words lets the vector unpacking load whole vectors up to the last field
        int[] words = new int[Math.max(wordsPerRow, zeroWords) + 16];
        int[] codes = new int[in];
        int[] zeros = new int[groups];
        float[] scaleRow = new float[groups];
        for (int r = 0; r < rows; r++) {
            long n = firstRow + r;
            Words.read(qzeros, 4 * n * zeroWords, words, 0, zeroWords);
            k.unpack(NIBBLES, words, 0, groups, zeros, 0);
            FloatParts.read(scales, n * scaleColumns, scaleRow, 0, groups);
            Words.read(qweight, 4 * n * wordsPerRow, words, 0, wordsPerRow);
            k.unpack(NIBBLES, words, 0, in, codes, 0);
            k.dequantGroups(codes, 0, in, p.group(), zeros, scaleRow, dst, dstOffset + r * in);
        }
    }
}
