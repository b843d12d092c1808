package dev.requant.plugins.hfgguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.BadInputException;
import dev.requant.testdata.TestData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SentencePieceModelTest {
    static final Path STORIES = TestData.path("fixtures/hf/stories260K-hf");

    static byte[] storiesModel() throws IOException {
        return Files.readAllBytes(STORIES.resolve("tokenizer.model"));
    }

    @Test
    void readsThePiecesAndSettingsOfStories260K() throws IOException {
        SentencePieceModel sp = SentencePieceModel.parse(storiesModel());
        assertThat(sp.pieces()).hasSize(512).startsWith("<unk>", "<s>", "</s>", "<0x00>");
        assertThat(sp.pieces().get(259)).isEqualTo("\u2581t");
        assertThat(sp.types()[0]).isEqualTo(TokenType.UNKNOWN);
        assertThat(sp.types()[1]).isEqualTo(TokenType.CONTROL);
        assertThat(sp.types()[3]).isEqualTo(TokenType.BYTE);
        assertThat(sp.types()[258]).isEqualTo(TokenType.BYTE);
        assertThat(sp.types()[259]).isEqualTo(TokenType.NORMAL);
        // the README's "-0.0 of id 259": score bits are kept as they are
        assertThat(Float.floatToRawIntBits(sp.scores()[259])).isEqualTo(Float.floatToRawIntBits(-0f));
        assertThat(sp.scores()[261]).isEqualTo(-2f);
        assertThat(sp.modelType()).isEqualTo(SentencePieceModel.BPE);
        assertThat(sp.byteFallback()).isTrue();
        assertThat(new int[] {sp.unkId(), sp.bosId(), sp.eosId(), sp.padId()}).containsExactly(0, 1, 2, -1);
        assertThat(sp.normalizerName()).isEqualTo("identity");
        assertThat(sp.addDummyPrefix()).isTrue();
        assertThat(sp.removeExtraWhitespaces()).isFalse();
        assertThat(sp.escapeWhitespaces()).isTrue();
    }

    @Test
    void writtenBackItReadsTheSame() throws IOException {
        SentencePieceModel sp = SentencePieceModel.parse(storiesModel());
        SentencePieceModel again = SentencePieceModel.parse(sp.toBytes());
        assertThat(again.pieces()).isEqualTo(sp.pieces());
        assertThat(again.types()).isEqualTo(sp.types());
        assertThat(Arrays.equals(again.scores(), sp.scores())).isTrue();
        assertThat(again).usingRecursiveComparison().ignoringFields("pieces", "scores", "types").isEqualTo(sp);
        // the pieces are written as the trainer writes them: byte for byte the same messages
        byte[] original = storiesModel();
        byte[] written = sp.toBytes();
        int piecesEnd = indexOfTrainerSpec(original);
        assertThat(Arrays.copyOf(written, piecesEnd)).isEqualTo(Arrays.copyOf(original, piecesEnd));
    }

    /** The offset of field 2 (trainer_spec) at the top level, after the pieces. */
    private static int indexOfTrainerSpec(byte[] model) {
        int at = 0;
        while (model[at] == 0x0A) {
            at += 2 + (model[at + 1] & 0xFF); // every stories260K piece message is shorter than 128 bytes
        }
        return at;
    }

    @Test
    void damagedFilesAreReportedWithTheirOffset() throws IOException {
        byte[] model = storiesModel();
        assertThatThrownBy(() -> SentencePieceModel.parse(Arrays.copyOf(model, 1000)))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("tokenizer.model: offset ")
                .hasMessageContaining("bytes; its message has");
        byte[] oversized = {0x0A, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, 0x0F, 1, 2};
        assertThatThrownBy(() -> SentencePieceModel.parse(oversized))
                .hasMessage("tokenizer.model: offset 1: field 1 claims 33554431 bytes; its message has 2 left");
        byte[] garbage = new byte[64];
        Arrays.fill(garbage, (byte) 0xFF);
        assertThatThrownBy(() -> SentencePieceModel.parse(garbage)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("varint");
        assertThatThrownBy(() -> SentencePieceModel.parse(new byte[] {0x07})).isInstanceOf(BadInputException.class)
                .hasMessageContaining("field number 0");
        assertThatThrownBy(() -> SentencePieceModel.parse(new byte[0]))
                .hasMessage("tokenizer.model: holds no pieces: not a SentencePiece model");
        byte[] wrongType = {0x0D, 0, 0, 0, 0};
        assertThatThrownBy(() -> SentencePieceModel.parse(wrongType))
                .hasMessageContaining("field 1 has wire type 5, expected 2");
    }
}
