package dev.requant.plugins.support;

/** A document that is not JSON: at which byte, and why. */
public final class MalformedJsonException extends Exception {
    private final long byteOffset;
    private final String reason;

    MalformedJsonException(long byteOffset, String reason) {
        super("byte " + byteOffset + ": " + reason);
        this.byteOffset = byteOffset;
        this.reason = reason;
    }

    public long byteOffset() {
        return byteOffset;
    }

    public String reason() {
        return reason;
    }
}
