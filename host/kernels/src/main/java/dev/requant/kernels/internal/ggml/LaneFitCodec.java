package dev.requant.kernels.internal.ggml;

import java.lang.foreign.MemorySegment;

/**
 * The Vector API twin of a {@link GroupFitCodec}: the groups' searches, where the time goes, run
 * with one vector lane per group over many blocks at once ({@link Lanes}); each block is then
 * finished by its scalar reference's code with the per-value pass lane-wise
 * ({@link VectorLevelPass}). A block holding NaN or infinity goes to the scalar reference whole.
 */
abstract class LaneFitCodec extends AbstractBlockCodec {
    /** Blocks whose groups are searched together: enough groups to fill the lanes. */
    private static final int CHUNK = 16;

    final GroupFitCodec scalar;

    LaneFitCodec(GroupFitCodec scalar) {
        super(scalar.type());
        this.scalar = scalar;
    }

    @Override
    final void quantizeBlocks(float[] x, int o, int blocks, MemorySegment y, long p) {
        int values = type().blockSize();
        int bytes = type().typeSize();
        int groups = scalar.groups;
        GroupFits fits = GroupFits.lanes(Math.min(CHUNK, blocks) * groups, scalar.groupSize);
        for (int b0 = 0; b0 < blocks; b0 += CHUNK) {
            int chunk = Math.min(CHUNK, blocks - b0);
            fit(x, o + b0 * values, chunk * groups, fits);
            for (int b = 0; b < chunk; b++) {
                int xo = o + (b0 + b) * values;
                long yp = p + (long) (b0 + b) * bytes;
                if (BlockVectors.allFinite(x, xo, values)) {
                    scalar.finish(x, xo, fits, b * groups, y, yp, VectorLevelPass.INSTANCE);
                } else {
                    scalar.quantizeBlock(x, xo, y, yp);
                }
            }
        }
    }

    @Override
    final void quantizeBlock(float[] x, int o, MemorySegment y, long p) {
        quantizeBlocks(x, o, 1, y, p);
    }

    @Override
    final void dequantizeBlock(MemorySegment x, long p, float[] y, int o) {
        byte[] b = Blocks.read(x, p, type().typeSize());
        for (int at : scalar.halves) {
            if (!Float.isFinite(Blocks.f16(b, at))) {
                scalar.dequantizeBlock(x, p, y, o); // which of two NaNs an operation keeps is the scalar's to say
                return;
            }
        }
        decode(b, y, o);
    }

    /** As {@link GroupFitCodec#fit}, with lanes. */
    abstract void fit(float[] x, int o, int count, GroupFits fits);

    /** Decodes the bytes of a block whose f16 scales are finite. */
    abstract void decode(byte[] b, float[] y, int o);
}
