package dev.requant.kernels.ggml;

import java.util.Locale;
import java.util.Optional;

/**
 * Every ggml tensor type id (ggml 0.21.0, {@code include/ggml.h} and the type traits in
 * {@code src/ggml.c}): name, values per block and bytes per block. Removed ids have block size 0
 * and are refused in GGUF files.
 */
public enum GgmlType {
    F32(0, "f32", 1, 4),
    F16(1, "f16", 1, 2),
    Q4_0(2, "q4_0", 32, 18),
    Q4_1(3, "q4_1", 32, 20),
    REMOVED_Q4_2(4, "q4_2", 0, 0),
    REMOVED_Q4_3(5, "q4_3", 0, 0),
    Q5_0(6, "q5_0", 32, 22),
    Q5_1(7, "q5_1", 32, 24),
    Q8_0(8, "q8_0", 32, 34),
    Q8_1(9, "q8_1", 32, 36),
    Q2_K(10, "q2_k", 256, 84),
    Q3_K(11, "q3_k", 256, 110),
    Q4_K(12, "q4_k", 256, 144),
    Q5_K(13, "q5_k", 256, 176),
    Q6_K(14, "q6_k", 256, 210),
    Q8_K(15, "q8_k", 256, 292),
    IQ2_XXS(16, "iq2_xxs", 256, 66),
    IQ2_XS(17, "iq2_xs", 256, 74),
    IQ3_XXS(18, "iq3_xxs", 256, 98),
    IQ1_S(19, "iq1_s", 256, 50),
    IQ4_NL(20, "iq4_nl", 32, 18),
    IQ3_S(21, "iq3_s", 256, 110),
    IQ2_S(22, "iq2_s", 256, 82),
    IQ4_XS(23, "iq4_xs", 256, 136),
    I8(24, "i8", 1, 1),
    I16(25, "i16", 1, 2),
    I32(26, "i32", 1, 4),
    I64(27, "i64", 1, 8),
    F64(28, "f64", 1, 8),
    IQ1_M(29, "iq1_m", 256, 56),
    BF16(30, "bf16", 1, 2),
    REMOVED_Q4_0_4_4(31, "q4_0_4_4", 0, 0),
    REMOVED_Q4_0_4_8(32, "q4_0_4_8", 0, 0),
    REMOVED_Q4_0_8_8(33, "q4_0_8_8", 0, 0),
    TQ1_0(34, "tq1_0", 256, 54),
    TQ2_0(35, "tq2_0", 256, 66),
    REMOVED_IQ4_NL_4_4(36, "iq4_nl_4_4", 0, 0),
    REMOVED_IQ4_NL_4_8(37, "iq4_nl_4_8", 0, 0),
    REMOVED_IQ4_NL_8_8(38, "iq4_nl_8_8", 0, 0),
    MXFP4(39, "mxfp4", 32, 17),
    NVFP4(40, "nvfp4", 64, 36),
    Q1_0(41, "q1_0", 128, 18),
    Q2_0(42, "q2_0", 64, 18);

    /** {@code GGML_TYPE_COUNT}: ids at or above it are unknown. */
    public static final int COUNT = 43;

    private static final GgmlType[] BY_ID = new GgmlType[COUNT];

    static {
        for (GgmlType t : values()) {
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final String name;
    private final int blockSize;
    private final int typeSize;

    GgmlType(int id, String name, int blockSize, int typeSize) {
        this.id = id;
        this.name = name;
        this.blockSize = blockSize;
        this.typeSize = typeSize;
    }

    /** The numeric id stored in GGUF tensor infos. */
    public int id() {
        return id;
    }

    /** Lower-case name, as requant writes types ({@code q4_k}; ggml itself writes {@code q4_K}). */
    public String typeName() {
        return name;
    }

    /** Values per block; 0 for removed ids. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int typeSize() {
        return typeSize;
    }

    /** False for ids ggml removed; such tensors cannot be stored. */
    public boolean isUsable() {
        return blockSize > 0;
    }

    /** True for block-quantized types (block size above 1). */
    public boolean isQuantized() {
        return blockSize > 1;
    }

    /** Bytes of a row of {@code n} values; {@code n} must be a multiple of the block size. */
    public long rowBytes(long n) {
        if (!isUsable() || n % blockSize != 0) {
            throw new IllegalArgumentException(n + " values are not whole blocks of " + name);
        }
        return n / blockSize * typeSize;
    }

    public static Optional<GgmlType> byId(int id) {
        return id >= 0 && id < COUNT ? Optional.of(BY_ID[id]) : Optional.empty();
    }

    /** The usable type with this name, ignoring case ({@code q4_K} and {@code q4_k} both work). */
    public static Optional<GgmlType> byName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        for (GgmlType t : values()) {
            if (t.isUsable() && t.name.equals(lower)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
