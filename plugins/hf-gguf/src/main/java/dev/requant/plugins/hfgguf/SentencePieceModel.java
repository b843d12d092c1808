package dev.requant.plugins.hfgguf;

import dev.requant.spi.BadInputException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A SentencePiece {@code tokenizer.model} ({@code ModelProto} of sentencepiece_model.proto): the
 * pieces with their scores and types, and the trainer and normalizer settings a tokenizer needs.
 * Field numbers: ModelProto pieces 1, trainer_spec 2, normalizer_spec 3; SentencePiece piece 1,
 * score 2, type 3; TrainerSpec model_type 3, vocab_size 4, byte_fallback 35, unk_id 40, bos_id 41,
 * eos_id 42, pad_id 43; NormalizerSpec name 1, add_dummy_prefix 3, remove_extra_whitespaces 4,
 * escape_whitespaces 5. Piece types are GGUF's token types (1 normal ... 6 byte).
 *
 * @param modelType  1 unigram, 2 BPE, 3 word, 4 char
 * @param unkId      the unknown piece; bosId, eosId, padId likewise, -1 when there is none
 * @param addDummyPrefix a space is put before the text (llama.cpp's {@code add_space_prefix})
 */
record SentencePieceModel(List<String> pieces, float[] scores, int[] types, int modelType, boolean byteFallback,
                          int unkId, int bosId, int eosId, int padId, String normalizerName,
                          boolean addDummyPrefix, boolean removeExtraWhitespaces, boolean escapeWhitespaces) {
    static final int UNIGRAM = 1;
    static final int BPE = 2;
    static final String FILE = "tokenizer.model";

    static SentencePieceModel parse(byte[] bytes) throws BadInputException {
        Path file = Path.of(FILE);
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int modelType = UNIGRAM;
        boolean byteFallback = false;
        int unk = 0;
        int bos = 1;
        int eos = 2;
        int pad = -1;
        String normalizer = "";
        boolean dummyPrefix = true;
        boolean removeSpaces = true;
        boolean escapeSpaces = true;
        ProtoReader model = ProtoReader.of(file, bytes);
        while (model.next()) {
            switch (model.field()) {
                case 1 -> {
                    ProtoReader piece = model.message();
                    String text = "";
                    float score = 0;
                    int type = 1;
                    while (piece.next()) {
                        switch (piece.field()) {
                            case 1 -> text = piece.string();
                            case 2 -> score = piece.float32();
                            case 3 -> type = piece.int32();
                            default -> piece.skip();
                        }
                    }
                    pieces.add(text);
                    scores.add(score);
                    types.add(type);
                }
                case 2 -> {
                    ProtoReader trainer = model.message();
                    while (trainer.next()) {
                        switch (trainer.field()) {
                            case 3 -> modelType = trainer.int32();
                            case 35 -> byteFallback = trainer.bool();
                            case 40 -> unk = trainer.int32();
                            case 41 -> bos = trainer.int32();
                            case 42 -> eos = trainer.int32();
                            case 43 -> pad = trainer.int32();
                            default -> trainer.skip();
                        }
                    }
                }
                case 3 -> {
                    ProtoReader spec = model.message();
                    while (spec.next()) {
                        switch (spec.field()) {
                            case 1 -> normalizer = spec.string();
                            case 3 -> dummyPrefix = spec.bool();
                            case 4 -> removeSpaces = spec.bool();
                            case 5 -> escapeSpaces = spec.bool();
                            default -> spec.skip();
                        }
                    }
                }
                default -> model.skip();
            }
        }
        if (pieces.isEmpty()) {
            throw BadInputException.of(file, "holds no pieces: not a SentencePiece model");
        }
        float[] s = new float[scores.size()];
        int[] t = new int[types.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = scores.get(i);
            t[i] = types.get(i);
        }
        return new SentencePieceModel(List.copyOf(pieces), s, t, modelType, byteFallback, unk, bos, eos, pad,
                normalizer, dummyPrefix, removeSpaces, escapeSpaces);
    }

    byte[] toBytes() {
        ProtoWriter model = new ProtoWriter();
        for (int i = 0; i < pieces.size(); i++) {
            ProtoWriter piece = new ProtoWriter().string(1, pieces.get(i)).float32(2, scores[i]);
            if (types[i] != TokenType.NORMAL) {
                piece.int32(3, types[i]); // the trainer leaves the default type out too
            }
            model.message(1, piece);
        }
        model.message(2, new ProtoWriter().int32(3, modelType).int32(4, pieces.size()).bool(35, byteFallback)
                .int32(40, unkId).int32(41, bosId).int32(42, eosId).int32(43, padId));
        model.message(3, new ProtoWriter().string(1, normalizerName).bool(3, addDummyPrefix)
                .bool(4, removeExtraWhitespaces).bool(5, escapeWhitespaces));
        return model.toByteArray();
    }
}
