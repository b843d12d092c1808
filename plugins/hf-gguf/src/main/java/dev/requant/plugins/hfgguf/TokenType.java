package dev.requant.plugins.hfgguf;

/** GGUF's token types ({@code tokenizer.ggml.token_type}), the same numbers as SentencePiece's piece types. */
final class TokenType {
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    private TokenType() {
    }
}
