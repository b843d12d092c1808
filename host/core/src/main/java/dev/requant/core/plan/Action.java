package dev.requant.core.plan;

/** What the executor does with a tensor for an output. */
public enum Action {
    /** Same type as stored: the bytes are copied. */
    COPY,
    /** Repacked into another encoding without going through f32. */
    TRANSCODE,
    /** Decoded to f32 and encoded again. */
    CONVERT
}
