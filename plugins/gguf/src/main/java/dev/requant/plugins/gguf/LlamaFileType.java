package dev.requant.plugins.gguf;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * llama.cpp's {@code llama_ftype}, the value of {@code general.file_type}: what a file is "mostly"
 * quantized to. Found by llama-quantize's preset names ({@code Q4_K_M}); a plain ggml type name
 * means the preset llama-quantize aliases it to ({@code Q4_K} is {@code Q4_K_M}).
 */
final class LlamaFileType {
    static final int ALL_F32 = 0;
    static final int MOSTLY_F16 = 1;
    static final int MOSTLY_BF16 = 32;

    private static final Map<String, Integer> BY_NAME = Map.ofEntries(
            Map.entry("F32", ALL_F32),
            Map.entry("F16", MOSTLY_F16),
            Map.entry("Q4_0", 2),
            Map.entry("Q4_1", 3),
            Map.entry("Q8_0", 7),
            Map.entry("Q5_0", 8),
            Map.entry("Q5_1", 9),
            Map.entry("Q2_K", 10),
            Map.entry("Q3_K_S", 11),
            Map.entry("Q3_K_M", 12),
            Map.entry("Q3_K", 12),
            Map.entry("Q3_K_L", 13),
            Map.entry("Q4_K_S", 14),
            Map.entry("Q4_K_M", 15),
            Map.entry("Q4_K", 15),
            Map.entry("Q5_K_S", 16),
            Map.entry("Q5_K_M", 17),
            Map.entry("Q5_K", 17),
            Map.entry("Q6_K", 18),
            Map.entry("IQ2_XXS", 19),
            Map.entry("IQ2_XS", 20),
            Map.entry("Q2_K_S", 21),
            Map.entry("IQ3_XS", 22),
            Map.entry("IQ3_XXS", 23),
            Map.entry("IQ1_S", 24),
            Map.entry("IQ4_NL", 25),
            Map.entry("IQ3_S", 26),
            Map.entry("IQ3_M", 27),
            Map.entry("IQ2_S", 28),
            Map.entry("IQ2_M", 29),
            Map.entry("IQ4_XS", 30),
            Map.entry("IQ1_M", 31),
            Map.entry("BF16", MOSTLY_BF16),
            Map.entry("TQ1_0", 36),
            Map.entry("TQ2_0", 37),
            Map.entry("MXFP4_MOE", 38),
            Map.entry("MXFP4", 38),
            Map.entry("NVFP4", 39),
            Map.entry("Q1_0", 40),
            Map.entry("Q2_0", 41));

    private LlamaFileType() {
    }

    /** The file type a quantization name stands for, ignoring case; empty for names llama.cpp has none for. */
    static OptionalInt of(String quantization) {
        Integer ftype = BY_NAME.get(quantization.strip().toUpperCase(Locale.ROOT));
        return ftype == null ? OptionalInt.empty() : OptionalInt.of(ftype);
    }

    /** True for the file types of unquantized files. */
    static boolean isFloat(long ftype) {
        return ftype == ALL_F32 || ftype == MOSTLY_F16 || ftype == MOSTLY_BF16;
    }
}
