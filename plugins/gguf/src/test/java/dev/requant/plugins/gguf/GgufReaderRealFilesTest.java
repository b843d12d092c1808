package dev.requant.plugins.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real GGUF files in the test data folder, written by ggml, gguf-py and other tools. */
class GgufReaderRealFilesTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    @Test
    void everyScalarAndArrayTypeOfTheHyllamaDummy() throws IOException {
        try (ModelSource m = Models.open(Models.GGUF.resolve("hyllama-dummy.gguf"))) {
            Metadata md = m.metadata();
            assertThat(md.values().keySet()).containsExactly("some.parameter.uint8", "some.parameter.int8",
                    "some.parameter.uint16", "some.parameter.int16", "some.parameter.uint32", "some.parameter.int32",
                    "some.parameter.float32", "some.parameter.uint64", "some.parameter.int64",
                    "some.parameter.float64", "some.parameter.bool", "some.parameter.string",
                    "some.parameter.arr.i16", "some.parameter.arr.f32", "some.parameter.arr.str");
            assertThat(md.get("some.parameter.uint8")).contains(new MetaValue.Int(MetaType.U8, 0x12));
            assertThat(md.get("some.parameter.int8")).contains(new MetaValue.Int(MetaType.I8, -0x13));
            assertThat(md.get("some.parameter.uint16")).contains(new MetaValue.Int(MetaType.U16, 0x1234));
            assertThat(md.get("some.parameter.int16")).contains(new MetaValue.Int(MetaType.I16, -0x1235));
            assertThat(md.get("some.parameter.uint32")).contains(new MetaValue.Int(MetaType.U32, 0x12345678));
            assertThat(md.get("some.parameter.int32")).contains(new MetaValue.Int(MetaType.I32, -0x12345679));
            assertThat(md.get("some.parameter.float32")).contains(new MetaValue.Real(MetaType.F32, 0.12345679f));
            assertThat(md.get("some.parameter.uint64")).contains(new MetaValue.Int(MetaType.U64, 0x123456789ABCDEF0L));
            assertThat(md.get("some.parameter.int64")).contains(new MetaValue.Int(MetaType.I64, -0x123456789ABCDEF1L));
            assertThat(md.get("some.parameter.float64")).contains(new MetaValue.Real(MetaType.F64, 0.123456789012345678));
            assertThat(md.get("some.parameter.bool")).contains(new MetaValue.Bool(true));
            assertThat(md.string("some.parameter.string")).contains("hello world");
            assertThat(md.get("some.parameter.arr.i16")).contains(new MetaValue.Arr(MetaType.I16, List.of(
                    i16(1), i16(2), i16(3), i16(4))));
            assertThat(md.get("some.parameter.arr.f32")).contains(new MetaValue.Arr(MetaType.F32, List.of(
                    new MetaValue.Real(MetaType.F32, 3.145f), new MetaValue.Real(MetaType.F32, 2.718f),
                    new MetaValue.Real(MetaType.F32, 1.414f))));
            assertThat(md.get("some.parameter.arr.str")).contains(MetaValue.strings(List.of("hello", "world", "!")));

            List<SourceTensor> tensors = m.tensors();
            assertThat(tensors).extracting(SourceTensor::name)
                    .containsExactly("tensor_0", "tensor_1", "tensor_2", "tensor_3", "tensor_4", "tensor_5",
                            "tensor_6", "tensor_7", "tensor_8", "tensor_9");
            // ne [7, 8, 6, 4] is PyTorch [4, 6, 8, 7]; n_dims 3 with ne [8, 1, 10] keeps its inner 1
            assertThat(tensors.get(0).info().shape()).isEqualTo(Shape.of(4, 6, 8, 7));
            assertThat(tensors.get(2).info().shape()).isEqualTo(Shape.of(10, 1, 8));
            assertThat(tensors.get(4).info().shape()).isEqualTo(Shape.of(2));
            assertThat(tensors).allSatisfy(t -> assertThat(t.info().type()).isEqualTo(ElementType.F32));
            StoredTensor t0 = Models.stored(tensors.get(0));
            assertThat(t0.part(PartSpec.DATA).spec()).isEqualTo(new PartSpec(PartSpec.DATA, ElementType.F32,
                    Shape.of(4, 6, 8, 7)));
            assertThat(t0.part(PartSpec.DATA).data().get(F32, 0)).isEqualTo(100.0f);
            assertSameBytes(m, Models.GGUF.resolve("hyllama-dummy.gguf"), 1216,
                    new long[] {0, 5376, 7072, 7392, 8000, 8032, 8064, 8096, 8864, 8928});
        }
    }

    @Test
    void alignment64OfTheGgufPyFileIsUsedAndNotHandedOn() throws IOException {
        Path file = Models.GGUF.resolve("zackshen-test-le-v3.gguf");
        try (ModelSource m = Models.open(file)) {
            assertThat(m.metadata().values().keySet()).containsExactly("general.architecture", "llama.block_count",
                    "answer", "answer_in_float", "tokenizer.ggml.tokens");
            assertThat(m.metadata().get("answer_in_float")).contains(new MetaValue.Real(MetaType.F32, 42.0));
            assertThat(m.metadata().get("tokenizer.ggml.tokens"))
                    .contains(MetaValue.strings(List.of("a", "b", "c", "d", "e")));
            assertThat(m.tensors()).extracting(t -> t.info().shape())
                    .containsExactly(Shape.of(32), Shape.of(64), Shape.of(96));
            // the data section starts at 448 (header 395 padded to 64), tensors at 0, 128, 384
            assertSameBytes(m, file, 448, new long[] {0, 128, 384});
            assertThat(Models.stored(m.tensors().get(1)).parts().getFirst().data().get(F32, 0)).isEqualTo(101.0f);
        }
    }

    @Test
    void theOllamaTinyLlamaWithItsWholeVocabulary() throws IOException {
        try (ModelSource m = Models.open(Models.GGUF.resolve("ollama-llama-2-tiny-random.gguf"))) {
            Metadata md = m.metadata();
            assertThat(md.values()).hasSize(18);
            assertThat(md.get("general.file_type")).contains(new MetaValue.Int(MetaType.U32, 1));
            MetaValue.Arr tokens = (MetaValue.Arr) md.get("tokenizer.ggml.tokens").orElseThrow();
            assertThat(tokens.elementType()).isEqualTo(MetaType.STRING);
            assertThat(tokens.items()).hasSize(32000);
            assertThat(tokens.items().get(3)).isEqualTo(new MetaValue.Str("<0x00>"));
            assertThat(tokens.items().get(31999)).isEqualTo(new MetaValue.Str("给"));
            MetaValue.Arr scores = (MetaValue.Arr) md.get("tokenizer.ggml.scores").orElseThrow();
            assertThat(scores.elementType()).isEqualTo(MetaType.F32);
            assertThat(scores.items().get(31999)).isEqualTo(new MetaValue.Real(MetaType.F32, -31740.0));
            MetaValue.Arr types = (MetaValue.Arr) md.get("tokenizer.ggml.token_type").orElseThrow();
            assertThat(types.elementType()).isEqualTo(MetaType.I32);
            assertThat(types.items().subList(0, 4)).containsExactly(new MetaValue.Int(MetaType.I32, 2),
                    new MetaValue.Int(MetaType.I32, 3), new MetaValue.Int(MetaType.I32, 3),
                    new MetaValue.Int(MetaType.I32, 6));

            assertThat(m.tensors()).hasSize(12);
            SourceTensor embd = m.tensors().getFirst();
            assertThat(embd.info().toString()).isEqualTo("token_embd.weight [32000, 8] f16");
            assertThat(Models.stored(embd).part(PartSpec.DATA).data().byteSize()).isEqualTo(32000 * 8 * 2);
            assertThat(m.tensors().get(8).info().toString()).isEqualTo("blk.0.attn_norm.weight [8] f32");
        }
    }

    @Test
    void stories260KHasFortyEightF32Tensors() throws IOException {
        try (ModelSource m = Models.open(Models.GGUF.resolve("stories260K.gguf"))) {
            assertThat(m.format()).isEqualTo("gguf");
            assertThat(m.metadata().values()).hasSize(19);
            assertThat(m.metadata().get("tokenizer.ggml.seperator_token_id"))
                    .contains(new MetaValue.Int(MetaType.U32, 0xFFFF_FFFFL));
            assertThat(m.metadata().get("llama.attention.layer_norm_rms_epsilon"))
                    .contains(new MetaValue.Real(MetaType.F32, 1e-5f));
            assertThat(m.tensors()).hasSize(48).allSatisfy(t -> assertThat(t.info().type()).isEqualTo(ElementType.F32));
            SourceTensor down = m.tensors().stream().filter(t -> t.name().equals("blk.0.ffn_down.weight")).findFirst()
                    .orElseThrow();
            assertThat(down.info().shape()).isEqualTo(Shape.of(64, 172));
            MemorySegment embd = Models.stored(m.tensors().getFirst()).parts().getFirst().data();
            assertThat(embd.get(F32, 0)).isEqualTo(-0.29474878f);
            assertThat(embd.get(F32, 4)).isEqualTo(0.5618956f);
        }
    }

    @Test
    void theFileWhoseOffsetsAreAllZeroIsRefusedAtTheFirstWrongOffset() {
        Path file = Models.GGUF.resolve("corrupt/threatflux-gguf_rs-test_model.INVALID-offsets.gguf");
        assertThatThrownBy(() -> Models.open(file))
                .isInstanceOfSatisfying(BadInputException.class, e -> {
                    // the offset field of the second tensor info, output_norm.weight (record at 311)
                    assertThat(e.offset()).hasValue(311 + 8 + 18 + 4 + 8 + 4);
                    assertThat(e.file()).isEqualTo(file);
                })
                .hasMessageStartingWith(file.toString())
                .hasMessageContaining("tensor 'output_norm.weight': data offset 0, expected 512000")
                .hasMessageContaining("overlaps");
    }

    @Test
    void detectsGgufByMagicAndNothingElse(@TempDir Path dir) throws IOException {
        GgufReader reader = new GgufReader();
        try (var files = Files.walk(Models.GGUF)) {
            for (Path p : files.filter(Files::isRegularFile).toList()) {
                assertThat(reader.detect(p)).as(p.toString()).isEqualTo(Detection.CONTAINER);
            }
        }
        Path safetensors;
        try (var files = Files.walk(Models.TESTDATA.resolve("data/safetensors"))) {
            safetensors = files.filter(p -> p.toString().endsWith(".safetensors")).findFirst().orElseThrow();
        }
        assertThat(reader.detect(safetensors)).isEqualTo(Detection.NONE);
        assertThat(reader.detect(dir)).isEqualTo(Detection.NONE);
        assertThat(reader.detect(TestGguf.write(dir, "empty.gguf", new byte[0]))).isEqualTo(Detection.NONE);
        assertThat(reader.detect(TestGguf.write(dir, "short.gguf", new byte[] {'G', 'G', 'U'}))).isEqualTo(Detection.NONE);
        assertThat(reader.detect(TestGguf.write(dir, "ggml.bin", "ggjt....".getBytes()))).isEqualTo(Detection.NONE);
        byte[] bigEndian = TestGguf.patch(new TestGguf().build(), 4, 4, Integer.reverseBytes(3));
        assertThat(reader.detect(TestGguf.write(dir, "be.gguf", bigEndian))).isEqualTo(Detection.CONTAINER);
    }

    /** Each tensor's data is the file's bytes at data start + its offset. */
    private static void assertSameBytes(ModelSource m, Path file, long dataStart, long[] offsets) throws IOException {
        byte[] all = Files.readAllBytes(file);
        for (int i = 0; i < offsets.length; i++) {
            byte[] data = Models.stored(m.tensors().get(i)).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE);
            int from = (int) (dataStart + offsets[i]);
            assertThat(data).as(m.tensors().get(i).name()).isEqualTo(Arrays.copyOfRange(all, from, from + data.length));
        }
    }

    private static MetaValue i16(long v) {
        return new MetaValue.Int(MetaType.I16, v);
    }
}
