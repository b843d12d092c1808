package dev.requant.kernels.internal.ggml;

/**
 * What the per-group searches of the super-block types leave for the step that finishes a
 * block: each group's scale, its minimum where the type has one, and the levels the search chose,
 * which a group keeps only when its quantized scale comes out zero (the finishing step
 * requantizes all others). The scalar searches store a group's levels one after another; the
 * lane searches leave them where their lanes put them, batch by batch of {@link Lanes#N} groups,
 * value i of a batch's group k at {@code i*N + k}.
 */
final class GroupFits {
    final int groupSize;
    final float[] scales;
    final float[] mins;
    /** The scalar searches' levels: group g's from {@code g * groupSize}. */
    final byte[] levels;
    /** The lane searches' levels, or null: batch b's from {@code b * groupSize * N}. */
    final float[] laneLevels;

    private GroupFits(int groups, int groupSize, boolean lanes) {
        this.groupSize = groupSize;
        this.scales = new float[groups];
        this.mins = new float[groups];
        int batches = (groups + Lanes.N - 1) / Lanes.N;
        this.levels = lanes ? null : new byte[groups * groupSize];
        this.laneLevels = lanes ? new float[batches * Lanes.N * groupSize] : null;
    }

    /** For the scalar searches. */
    static GroupFits scalar(int groups, int groupSize) {
        return new GroupFits(groups, groupSize, false);
    }

    /** For the lane searches. */
    static GroupFits lanes(int groups, int groupSize) {
        return new GroupFits(groups, groupSize, true);
    }

    /** Where the levels of batch {@code b} begin in {@link #laneLevels}. */
    int batchBase(int b) {
        return b * groupSize * Lanes.N;
    }

    /** Copies group g's levels to {@code dst[at..]}. */
    void copyLevels(int g, byte[] dst, int at) {
        if (laneLevels == null) {
            System.arraycopy(levels, g * groupSize, dst, at, groupSize);
            return;
        }
        int base = batchBase(g / Lanes.N) + g % Lanes.N;
        for (int i = 0; i < groupSize; i++) {
            dst[at + i] = (byte) laneLevels[base + i * Lanes.N];
        }
    }
}
