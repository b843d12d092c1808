package dev.requant.plugins.hfgguf;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The llama-family architectures this plugin maps: the Hugging Face class names of
 * {@code config.json}'s {@code architectures}, the GGUF {@code general.architecture}, and whether
 * llama.cpp needs Q and K in Meta's interleaved RoPE layout (llama.cpp's "normal" rope for llama
 * and minicpm) or reads Hugging Face's rotate-half layout as it is (qwen2 and qwen3 use the
 * NeoX rope).
 */
enum Architecture {
    LLAMA("llama", "llama", true, "LlamaForCausalLM", "MistralForCausalLM"),
    QWEN2("qwen2", "qwen2", false, "Qwen2ForCausalLM"),
    QWEN3("qwen3", "qwen3", false, "Qwen3ForCausalLM"),
    MINICPM("minicpm", "minicpm", true, "MiniCPMForCausalLM");

    private final String gguf;
    private final String modelType;
    private final boolean interleavedRope;
    private final List<String> hfClasses;

    Architecture(String gguf, String modelType, boolean interleavedRope, String... hfClasses) {
        this.gguf = gguf;
        this.modelType = modelType;
        this.interleavedRope = interleavedRope;
        this.hfClasses = List.of(hfClasses);
    }

    /** The GGUF {@code general.architecture}, also the prefix of its keys. */
    String gguf() {
        return gguf;
    }

    /** The {@code model_type} of a Hugging Face config. */
    String modelType() {
        return modelType;
    }

    /** The class a Hugging Face config names for a model written back from GGUF. */
    String hfClass() {
        return hfClasses.getFirst();
    }

    /** True when Q and K rows are permuted between the two layouts. */
    boolean interleavedRope() {
        return interleavedRope;
    }

    static Optional<Architecture> byHfClass(String name) {
        return Arrays.stream(values()).filter(a -> a.hfClasses.contains(name)).findFirst();
    }

    static Optional<Architecture> byGguf(String name) {
        return Arrays.stream(values()).filter(a -> a.gguf.equals(name)).findFirst();
    }

    /** Every Hugging Face class name, for error messages. */
    static List<String> hfClasses() {
        return Arrays.stream(values()).flatMap(a -> a.hfClasses.stream()).toList();
    }
}
