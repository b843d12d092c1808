package dev.requant.spi;

/** How well a reader recognises a path; the host picks the most specific match. */
public enum Detection {
    /** Not this reader's format. */
    NONE,
    /** A generic container this reader opens (a safetensors file, a GGUF file). */
    CONTAINER,
    /** A specific layout inside a container (a GPTQ checkpoint in safetensors). */
    LAYOUT
}
