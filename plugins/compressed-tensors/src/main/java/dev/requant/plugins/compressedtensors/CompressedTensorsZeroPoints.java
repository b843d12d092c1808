package dev.requant.plugins.compressedtensors;

import dev.requant.kernels.Layouts;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.spi.ElementType;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorPart;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Optional;

/**
 * compressed-tensors' zero points, read for one output row: packed int32 along the outputs
 * ({@code [ceil(out / (32/bits)), G]}, stored as {@code zp + 2^(bits-1)} like the codes), or
 * signed int8 shaped like the scales (int-quantized, and pack-quantized before compressed-tensors
 * 0.9.4), or none at all when symmetric.
 */
final class CompressedTensorsZeroPoints {
    private CompressedTensorsZeroPoints() {
    }

    /**
     * The zero points of row {@code n} in the codes' terms: the packed codes are {@code q + offset},
     * so the zero point {@code zp} of the formula becomes {@code zp + offset}.
     */
    static void inCodeTerms(Optional<TensorPart> zeroPoint, CompressedTensorsParams p, IntPacking packing, long n,
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
    static void signed(StoredTensor source, CompressedTensorsParams p, long n, int[] dst, int dstOffset) {
        int[] z = new int[p.groups(source.info().shape().dim(1))];
        int offset = p.format().packed() ? 1 << (p.bits() - 1) : 0;
        inCodeTerms(CompressedTensorsParts.find(source, CompressedTensorsParts.ZERO_POINT), p,
                IntPacking.wordAligned(p.bits()), n, offset, z);
        for (int g = 0; g < z.length; g++) {
            dst[dstOffset + g] = z[g] - offset;
        }
    }
}
