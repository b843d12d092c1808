package dev.requant.plugins.hfgguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.ElementType;
import dev.requant.spi.StoredTensor;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RopePermutationTest {
    private final TestModel.Context context = new TestModel.Context();

    /**
     * convert_hf_to_gguf.py's {@code w.reshape(H, 2, d/2, cols).swapaxes(1, 2).reshape(rows, cols)}
     * for 2 heads of 6 rows: within a head, Hugging Face rows 0..2 (first halves) and 3..5 (second
     * halves) are interleaved as 0,3,1,4,2,5.
     */
    @Test
    void rowsFollowConvertHfToGgufsPermute() {
        StoredTensor w = TestModel.stored("q", ElementType.F32, 12, 3);
        RopePermutation p = new RopePermutation(w.info(), w, context, 2, true);
        assertThat(IntStream.range(0, 12).mapToLong(p::sourceIndex).toArray())
                .containsExactly(0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11);
        float[] out = TestModel.values(p, context);
        float[] in = TestModel.values(w, context);
        for (int r = 0; r < 12; r++) {
            for (int c = 0; c < 3; c++) {
                assertThat(out[r * 3 + c]).isEqualTo(in[(int) p.sourceIndex(r) * 3 + c]);
            }
        }
    }

    @Test
    void theInverseGivesTheSourceBack() {
        StoredTensor w = TestModel.stored("k", ElementType.F32, 32, 5);
        RopePermutation forward = new RopePermutation(w.info(), w, context, 4, true);
        RopePermutation back = new RopePermutation(w.info(), forward, context, 4, false);
        assertThat(TestModel.values(back, context)).containsExactly(TestModel.values(w, context));
        assertThat(TestModel.values(forward, context)).isNotEqualTo(TestModel.values(w, context));
    }

    @Test
    void anyRowRangeDecodesWholeHeadsOfTheSource() {
        StoredTensor w = TestModel.stored("q", ElementType.F16, 24, 4);
        RopePermutation p = new RopePermutation(w.info(), w, context, 3, true);
        float[] all = TestModel.values(p, context);
        context.calls.clear();
        float[] part = new float[5 * 4];
        p.rows(7, 5, part, 0);
        assertThat(part).containsExactly(java.util.Arrays.copyOfRange(all, 7 * 4, 12 * 4));
        assertThat(context.calls).singleElement().satisfies(c -> assertThat(c).containsExactly(0, 16));
    }

    @Test
    void aBiasHasItsElementsMoved() {
        StoredTensor b = TestModel.stored("q.bias", ElementType.F32, 8);
        RopePermutation p = new RopePermutation(b.info(), b, context, 2, true);
        float[] in = TestModel.values(b, context);
        float[] out = TestModel.values(p, context);
        assertThat(out).containsExactly(in[0], in[2], in[1], in[3], in[4], in[6], in[5], in[7]);
    }

    @Test
    void rowsThatAreNotWholeHeadsOfAnEvenSizeAreRefused() {
        StoredTensor w = TestModel.stored("q", ElementType.F32, 12, 2);
        assertThatThrownBy(() -> new RopePermutation(w.info(), w, context, 4, true))
                .hasMessageContaining("12 rows are not 4 heads of an even number of rows");
        assertThatThrownBy(() -> new RopePermutation(w.info(), w, context, 5, true))
                .hasMessageContaining("not 5 heads");
    }
}
