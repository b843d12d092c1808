package dev.requant.plugins.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PartSpec;
import dev.requant.spi.PlannedTensor;
import dev.requant.spi.Shape;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import dev.requant.spi.io.MappedFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The writer on plans made here: types, shapes, key/values, options, sink contract. */
class GgufWriterTest {
    @TempDir
    Path dir;

    private final GgufWriter writer = new GgufWriter();

    @Test
    void storesTheGgmlTypesOnly() {
        for (ElementType e : List.of(ElementType.F32, ElementType.F16, ElementType.BF16, ElementType.F64,
                ElementType.I8, ElementType.I16, ElementType.I32, ElementType.I64)) {
            assertThat(writer.canStore(e)).as(e.id()).isTrue();
        }
        for (ElementType e : List.of(ElementType.U8, ElementType.BOOL, ElementType.U16, ElementType.F8_E4M3,
                ElementType.U64, ElementType.F4)) {
            assertThat(writer.canStore(e)).as(e.id()).isFalse();
        }
        for (String ok : List.of("q4_0", "q4_k", "Q6_K", "iq4_xs", "tq2_0", "mxfp4", "q8_k", "q2_0")) {
            assertThat(writer.canStore(TensorType.parse(ok))).as(ok).isTrue();
        }
        for (String no : List.of("nf4", "q4_2", "gptq{bits:4}", "q4_k{group:32}")) {
            assertThat(writer.canStore(TensorType.parse(no))).as(no).isFalse();
        }
        assertThat(writer.canStore(Encoding.of("f16"))).isFalse();
    }

    @Test
    void acceptsGgufNames() {
        assertThat(writer.accepts(Path.of("out/model.gguf"))).isTrue();
        assertThat(writer.accepts(Path.of("MODEL.GGUF"))).isTrue();
        assertThat(writer.accepts(Path.of("model.safetensors"))).isFalse();
        assertThat(writer.options()).containsExactlyInAnyOrder("split_max_size", "split_max_tensors", "alignment");
    }

    @Test
    void dimensionsAreReversedAndTrailingOnesDropped() throws IOException {
        List<PlannedTensor> tensors = List.of(
                f32("matrix", 3, 5),
                f32("row", 1, 8),
                f32("inner_one", 2, 1, 3),
                f32("scalar"),
                f32("five_d", 1, 2, 3, 4, 5));
        GgufHeader h = write(new OutputPlan(new Metadata(), tensors, Optional.empty()), Map.of());
        assertThat(h.tensors()).extracting(t -> List.of(t.ne().length, List.of(boxed(t.ne())))).containsExactly(
                List.of(2, List.of(5L, 3L)),
                List.of(1, List.of(8L)),
                List.of(3, List.of(3L, 1L, 2L)),
                List.of(1, List.of(1L)),
                List.of(4, List.of(5L, 4L, 3L, 2L)));
        try (ModelSource m = Models.open(h.file())) {
            assertThat(m.tensors()).extracting(t -> t.info().shape()).containsExactly(Shape.of(3, 5), Shape.of(8),
                    Shape.of(2, 1, 3), Shape.of(1), Shape.of(2, 3, 4, 5));
        }
    }

    @Test
    void quantizedTensorsTakeTheirGgmlTypeAndRowsOfBlocks() throws IOException {
        PlannedTensor q = new PlannedTensor(new TensorInfo("w", Shape.of(4, 512), Encoding.of("q4_k")),
                List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(4, 288))));
        GgufHeader h = write(new OutputPlan(new Metadata(), List.of(q, f32("n", 512)), Optional.of("Q4_K_M")), Map.of());
        assertThat(h.tensors().getFirst().type().typeName()).isEqualTo("q4_k");
        assertThat(h.tensors().getFirst().nbytes()).isEqualTo(4 * 288);
        assertThat(h.tensors().get(1).offset()).isEqualTo(4 * 288);
    }

    @Test
    void keysFollowThePlanWithoutForeignOrContainerKeys() throws IOException {
        Metadata md = new Metadata()
                .put("general.architecture", MetaValue.str("llama"))
                .put("safetensors.format", MetaValue.str("pt"))
                .put("general.alignment", MetaValue.u32(64))
                .put("split.count", new MetaValue.Int(MetaType.U16, 3))
                .put("llama.block_count", MetaValue.u32(1))
                .put("general.file_type", MetaValue.u32(1));
        GgufHeader h = write(new OutputPlan(md, List.of(f32("a", 4)), Optional.empty()), Map.of("alignment", "128"));
        assertThat(h.kvs().keySet()).containsExactly("general.architecture", "llama.block_count", "general.file_type",
                "general.alignment");
        assertThat(h.kvs().get("general.alignment").value()).isEqualTo(MetaValue.u32(128));
        assertThat(h.dataOffset() % 128).isZero();
    }

    @Test
    void quantizedOutputsGetQuantizationVersionAndFileTypeLast() throws IOException {
        Metadata md = new Metadata()
                .put("general.file_type", MetaValue.u32(1))
                .put("general.quantization_version", MetaValue.u32(1))
                .put("general.name", MetaValue.str("m"));
        GgufHeader h = write(new OutputPlan(md, List.of(q8("w"), f32("n", 32)), Optional.of("q4_k_m")), Map.of());
        assertThat(h.kvs().keySet()).containsExactly("general.name", "general.quantization_version",
                "general.file_type");
        assertThat(h.kvs().get("general.quantization_version").value()).isEqualTo(MetaValue.u32(2));
        assertThat(h.kvs().get("general.file_type").value()).isEqualTo(MetaValue.u32(15));
    }

    @Test
    void fileTypesOfQuantizationNames() {
        assertThat(LlamaFileType.of("Q8_0")).hasValue(7);
        assertThat(LlamaFileType.of("q4_k")).hasValue(15);
        assertThat(LlamaFileType.of("Q3_K_S")).hasValue(11);
        assertThat(LlamaFileType.of("iq4_nl")).hasValue(25);
        assertThat(LlamaFileType.of("IQ4_XS")).hasValue(30);
        assertThat(LlamaFileType.of("bf16")).hasValue(32);
        assertThat(LlamaFileType.of("TQ2_0")).hasValue(37);
        assertThat(LlamaFileType.of("F32")).hasValue(0);
        assertThat(LlamaFileType.of("nf4")).isEmpty();
        assertThat(LlamaFileType.of("q8_k")).isEmpty();
    }

    @Test
    void anUnknownQuantizationNameDropsTheFileType() throws IOException {
        Metadata md = new Metadata().put("general.file_type", MetaValue.u32(7));
        GgufHeader h = write(new OutputPlan(md, List.of(q8("w")), Optional.of("my-mix")), Map.of());
        assertThat(h.kvs().keySet()).containsExactly("general.quantization_version");
    }

    @Test
    void copiedQuantizedTensorsKeepTheInputsFileType() throws IOException {
        Metadata md = new Metadata().put("general.file_type", MetaValue.u32(7)).put("general.name", MetaValue.str("m"));
        GgufHeader h = write(new OutputPlan(md, List.of(q8("w")), Optional.empty()), Map.of());
        assertThat(h.kvs().keySet()).containsExactly("general.file_type", "general.name",
                "general.quantization_version");
        assertThat(h.kvs().get("general.file_type").value()).isEqualTo(MetaValue.u32(7));
    }

    @Test
    void floatOutputsGetAFileTypeOnlyWhenThePlanNamesAFloatType() throws IOException {
        Metadata f16Input = new Metadata().put("general.file_type", MetaValue.u32(1)).put("general.name", MetaValue.str("m"));
        GgufHeader named = write(new OutputPlan(f16Input, List.of(f32("a", 4)), Optional.of("F32")), Map.of());
        assertThat(named.kvs().keySet()).containsExactly("general.name", "general.file_type");
        assertThat(named.kvs().get("general.file_type").value()).isEqualTo(MetaValue.u32(0));

        Metadata quantizedInput = new Metadata().put("general.file_type", MetaValue.u32(15))
                .put("general.quantization_version", MetaValue.u32(2));
        GgufHeader dequantized = write(new OutputPlan(quantizedInput, List.of(f32("a", 4)), Optional.empty()), Map.of());
        assertThat(dequantized.kvs().keySet()).containsExactly("general.quantization_version");

        GgufHeader fellBack = write(new OutputPlan(f16Input, List.of(f32("a", 4)), Optional.of("Q4_0")), Map.of());
        assertThat(fellBack.kvs().keySet()).containsExactly("general.name");

        GgufHeader kept = write(new OutputPlan(f16Input, List.of(f32("a", 4)), Optional.empty()), Map.of());
        assertThat(kept.kvs().keySet()).containsExactly("general.file_type", "general.name");
    }

    @Test
    void refusesWhatGgmlCannotRead() {
        assertRefusedPlan(plan(f32("n".repeat(64), 4)), "the name has 64 bytes; ggml reads at most 63");
        assertRefusedPlan(plan(new PlannedTensor(new TensorInfo("u", Shape.of(4), ElementType.U8),
                List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(4))))), "GGUF cannot store type u8");
        assertRefusedPlan(plan(f32("big", 2, 2, 2, 2, 2)), "has more than 4 dimensions besides leading 1s");
        assertRefusedPlan(plan(f32("empty", 0, 4)), "has no elements");
        assertRefusedPlan(plan(f32("a", 4), f32("a", 4)), "tensor a appears twice");
        assertRefusedPlan(plan(new PlannedTensor(new TensorInfo("q", Shape.of(2, 48), Encoding.of("q8_0")),
                List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(2, 51))))),
                "row length 48 is not a multiple of the q8_0 block size 32");
        assertRefusedPlan(plan(new PlannedTensor(new TensorInfo("q", Shape.of(2, 32), Encoding.of("q8_0")),
                List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(2, 32))))),
                "the plan gives parts data 64 bytes; GGUF stores one part of 68 bytes");
        assertRefusedPlan(plan(new PlannedTensor(new TensorInfo("two", Shape.of(4), ElementType.F32),
                List.of(new PartSpec("a", ElementType.F32, Shape.of(4)), new PartSpec("b", ElementType.F32, Shape.of(0))))),
                "the plan gives parts a 16 bytes, b 0 bytes");
        Metadata nested = new Metadata().put("x", new MetaValue.Arr(MetaType.ARRAY, List.of(MetaValue.strings(List.of("a")))));
        assertRefusedPlan(new OutputPlan(nested, List.of(f32("a", 4)), Optional.empty()),
                "metadata key 'x' holds an array of arrays");
        Metadata tooBig = new Metadata().put("x", new MetaValue.Int(MetaType.U8, 256));
        assertRefusedPlan(new OutputPlan(tooBig, List.of(f32("a", 4)), Optional.empty()),
                "metadata key 'x': 256 does not fit a U8");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void malformedOptionsAreNamed() {
        OutputPlan plan = plan(f32("a", 4));
        assertRefusedOptions(plan, Map.of("alignment", "48"), "alignment: 48 is not a power of two from 8 to 1048576");
        assertRefusedOptions(plan, Map.of("alignment", "4"), "alignment: 4 is not a power of two");
        assertRefusedOptions(plan, Map.of("split_max_size", "2X"), "split_max_size: '2X' is not a size");
        assertRefusedOptions(plan, Map.of("split_max_size", "0"), "split_max_size: '0' is out of range");
        assertRefusedOptions(plan, Map.of("split_max_tensors", "-1"), "split_max_tensors: '-1' is not a positive integer");
        assertRefusedOptions(plan, Map.of("shards", "2"), "unknown option 'shards'");
        assertThat(WriterOptions.parse(Map.of("split_max_size", "2G")).splitMaxBytes()).isEqualTo(2_000_000_000L);
        assertThat(WriterOptions.parse(Map.of("split_max_size", "500M")).splitMaxBytes()).isEqualTo(500_000_000L);
        assertThat(WriterOptions.parse(Map.of("split_max_size", "1.5g")).splitMaxBytes()).isEqualTo(1_500_000_000L);
        assertThat(WriterOptions.parse(Map.of("split_max_size", "12345")).splitMaxBytes()).isEqualTo(12345L);
    }

    @Test
    void writesOutsideATensorAreRefused() throws IOException {
        ModelSink sink = writer.create(dir.resolve("m.gguf"), plan(f32("a", 4)), Map.of());
        try {
            assertThatThrownBy(() -> sink.write(0, 0, 8, MemorySegment.ofArray(new byte[9])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside its 16 bytes");
            assertThatThrownBy(() -> sink.write(0, 1, 0, MemorySegment.ofArray(new byte[1])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("one part");
        } finally {
            sink.abort();
        }
    }

    @Test
    void aCommitWithUnwrittenTensorsPublishesNothing() throws IOException {
        ModelSink sink = writer.create(dir.resolve("m.gguf"), plan(f32("a", 4), f32("b", 4)), Map.of());
        sink.write(0, 0, 0, MemorySegment.ofArray(new byte[16]));
        sink.write(1, 0, 0, MemorySegment.ofArray(new byte[8]));
        assertThatThrownBy(sink::commit).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("tensor 1: 8 of 16 bytes were written");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void abortLeavesNothingBehind() throws IOException {
        try (ModelSource source = Models.open(Models.GGUF.resolve("stories260K.gguf"))) {
            ModelSink single = writer.create(dir.resolve("single.gguf"), Models.planOf(source, Optional.empty()), Map.of());
            ModelSink split = writer.create(dir.resolve("split.gguf"), Models.planOf(source, Optional.empty()),
                    Map.of("split_max_tensors", "10"));
            assertThat(leftovers()).hasSize(1 + 5).allMatch(n -> n.startsWith(".") && n.endsWith(".part"));
            Models.copy(source, single, 1000);
            Models.copy(source, split, 1000);
            single.abort();
            split.abort();
            assertThat(leftovers()).isEmpty();
            split.abort();
        }
    }

    @Test
    void committedOutputsSurviveALaterAbort() throws IOException {
        try (ModelSource source = Models.open(Models.GGUF.resolve("hyllama-dummy.gguf"))) {
            ModelSink sink = writer.create(dir.resolve("h.gguf"), Models.planOf(source, Optional.empty()),
                    Map.of("split_max_tensors", "4"));
            Models.copy(source, sink, 100);
            sink.commit();
            sink.abort();
            assertThat(leftovers()).containsExactly("h-00001-of-00003.gguf", "h-00002-of-00003.gguf",
                    "h-00003-of-00003.gguf");
        }
    }

    private GgufHeader write(OutputPlan plan, Map<String, String> options) throws IOException {
        Path path = dir.resolve("out-" + System.nanoTime() + ".gguf");
        ModelSink sink = writer.create(path, plan, options);
        for (int i = 0; i < plan.tensors().size(); i++) {
            sink.write(i, 0, 0, MemorySegment.ofArray(new byte[(int) plan.tensors().get(i).byteSize()]));
        }
        sink.commit();
        try (MappedFile f = MappedFile.open(path)) {
            return GgufParser.parse(path, f.segment());
        }
    }

    private void assertRefusedPlan(OutputPlan plan, String message) {
        assertThatThrownBy(() -> writer.create(dir.resolve("bad.gguf"), plan, Map.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    private void assertRefusedOptions(OutputPlan plan, Map<String, String> options, String message) {
        assertThatThrownBy(() -> writer.create(dir.resolve("bad.gguf"), plan, options))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    private static OutputPlan plan(PlannedTensor... tensors) {
        return new OutputPlan(new Metadata(), List.of(tensors), Optional.empty());
    }

    private static PlannedTensor f32(String name, long... shape) {
        Shape s = Shape.of(shape);
        return new PlannedTensor(new TensorInfo(name, s, ElementType.F32),
                List.of(new PartSpec(PartSpec.DATA, ElementType.F32, s)));
    }

    private static PlannedTensor q8(String name) {
        return new PlannedTensor(new TensorInfo(name, Shape.of(2, 64), Encoding.of("q8_0")),
                List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(2, 68))));
    }

    private static Long[] boxed(long[] values) {
        Long[] b = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = values[i];
        }
        return b;
    }

    private List<String> leftovers() {
        try (Stream<Path> files = Files.list(dir)) {
            return new ArrayList<>(files.map(p -> p.getFileName().toString()).sorted().toList());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
