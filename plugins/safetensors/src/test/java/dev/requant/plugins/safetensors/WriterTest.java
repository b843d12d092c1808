package dev.requant.plugins.safetensors;

import static dev.requant.plugins.safetensors.TestSupport.byName;
import static dev.requant.plugins.safetensors.TestSupport.copy;
import static dev.requant.plugins.safetensors.TestSupport.copyPlan;
import static dev.requant.plugins.safetensors.TestSupport.data;
import static dev.requant.plugins.safetensors.TestSupport.listAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.AuxFile;
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
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriterTest {
    private static final SafetensorsWriter WRITER = new SafetensorsWriter();
    private static final Path FLUXML = data("fluxml-safetensors.jl/non_sharded/model.safetensors");
    private static final Path FLUXML_META = data("fluxml-safetensors.jl/non_sharded/model.with_metadata.safetensors");

    @TempDir
    Path dir;

    /** The output has the same tensors as the source: names, types, shapes and bytes. */
    private static void assertSameTensors(ModelSource expected, ModelSource actual) {
        Map<String, StoredTensor> e = byName(expected);
        Map<String, StoredTensor> a = byName(actual);
        assertThat(a.keySet()).containsExactlyInAnyOrderElementsOf(e.keySet());
        for (var x : e.entrySet()) {
            assertThat(a.get(x.getKey()).info()).isEqualTo(x.getValue().info());
            assertThat(TestSupport.data(a.get(x.getKey()))).as(x.getKey()).isEqualTo(TestSupport.data(x.getValue()));
        }
    }

    @Test
    void roundTripToAFolderKeepsEveryTensorAndFollowsTheRustLayout() throws IOException {
        Path out = dir.resolve("out");
        try (ModelSource src = RealFilesTest.open(FLUXML_META)) {
            copy(src, WRITER, out, Map.of(), 7);
            assertThat(listAll(out)).containsExactly("model.safetensors");
            byte[] bytes = Files.readAllBytes(out.resolve("model.safetensors"));
            assertThat(TestSupport.headerLength(bytes) % 8).isZero();
            assertThat(TestSupport.headerText(bytes))
                    .startsWith("{\"__metadata__\":{\"format\":\"pt\",\"test\":\"metadata\",\"version\":\"2.2\"},")
                    .doesNotContain(" ,", ": ");
            try (ModelSource back = RealFilesTest.open(out)) {
                assertSameTensors(src, back);
                assertThat(back.metadata().values()).containsExactly(
                        Map.entry("safetensors.format", new MetaValue.Str("pt")),
                        Map.entry("safetensors.test", new MetaValue.Str("metadata")),
                        Map.entry("safetensors.version", new MetaValue.Str("2.2")));
                // data order: dtype descending in the Rust declaration order, then name
                List<SourceTensor> expected = new ArrayList<>(src.tensors());
                expected.sort(Comparator.<SourceTensor>comparingInt(t -> -Dtypes.rank((ElementType) t.info().type()))
                        .thenComparing(SourceTensor::name));
                assertThat(back.tensors()).extracting(SourceTensor::name)
                        .containsExactlyElementsOf(expected.stream().map(SourceTensor::name).toList());
            }
        }
    }

    @Test
    void everyTensorStartsAtAMultipleOfItsElementSize() throws IOException {
        Path out = dir.resolve("aligned.safetensors");
        try (ModelSource src = RealFilesTest.open(data("hf-safetensors-samples/overall.safetensors"))) {
            copy(src, WRITER, out, Map.of(), 5);
            try (ModelSource back = RealFilesTest.open(out)) {
                assertSameTensors(src, back);
                assertThat((8 + TestSupport.headerLength(Files.readAllBytes(out))) % 8).isZero();
                for (SourceTensor t : back.tensors()) {
                    // a mapping starts on a page boundary, so addresses keep the file offsets' alignment
                    long address = ((StoredTensor) t).parts().getFirst().data().address();
                    assertThat(address % (((ElementType) t.info().type()).bits() / 8)).as(t.name()).isZero();
                }
            }
        }
    }

    @Test
    void shardsGreedilyWithAnIndexLikeTransformers() throws IOException {
        Path out = dir.resolve("sharded");
        try (ModelSource src = RealFilesTest.open(FLUXML)) {
            copy(src, WRITER, out, Map.of("max_shard_size", "1000"), 64);
            List<String> files = listAll(out);
            assertThat(files).hasSize(6).contains("model.safetensors.index.json", "model-00001-of-00005.safetensors")
                    .allMatch(f -> f.matches("model-0000\\d-of-00005\\.safetensors|model\\.safetensors\\.index\\.json"));
            long total = 0;
            for (String f : files) {
                if (f.endsWith(".safetensors")) {
                    try (ModelSource shard = RealFilesTest.open(out.resolve(f))) {
                        long bytes = shard.tensors().stream().mapToLong(t -> ((StoredTensor) t).byteSize()).sum();
                        total += bytes;
                        assertThat(bytes <= 1000 || shard.tensors().size() == 1).as(f).isTrue();
                    }
                }
            }
            String index = Files.readString(out.resolve("model.safetensors.index.json"));
            assertThat(index).startsWith("{\n  \"metadata\": {\n    \"total_size\": " + total + "\n  },\n"
                    + "  \"weight_map\": {\n    \"bfloat16_3\": \"model-0000").endsWith("\"\n  }\n}\n");
            try (ModelSource back = RealFilesTest.open(out)) {
                assertSameTensors(src, back);
            }
        }
    }

    @Test
    void greedySplitClosesAShardBeforeItOverflowsAndIsolatesLargeTensors() throws IOException {
        // sizes in data order (all U8): 4, 4, 3, 9, 2 with a limit of 8 -> [4,4] [3] [9] [2]
        List<PlannedTensor> tensors = new ArrayList<>();
        long[] sizes = {4, 4, 3, 9, 2};
        for (int i = 0; i < sizes.length; i++) {
            tensors.add(plain("t" + i, ElementType.U8, sizes[i]));
        }
        OutputLayout layout = OutputLayout.of("m", new OutputPlan(new Metadata(), tensors, Optional.empty()), 8);
        assertThat(layout.shards()).extracting(OutputLayout.Shard::fileName).containsExactly(
                "m-00001-of-00004.safetensors", "m-00002-of-00004.safetensors", "m-00003-of-00004.safetensors",
                "m-00004-of-00004.safetensors");
        assertThat(layout.shards()).extracting(s -> s.slots().stream().map(OutputLayout.Slot::storedIndex).toList())
                .containsExactly(List.of(0, 1), List.of(2), List.of(3), List.of(4));
        assertThat(layout.indexName()).isEqualTo("m.safetensors.index.json");
    }

    private static PlannedTensor plain(String name, ElementType type, long... dims) {
        Shape shape = Shape.of(dims);
        return new PlannedTensor(new TensorInfo(name, shape, type), List.of(new PartSpec(PartSpec.DATA, type, shape)));
    }

    @Test
    void aFileTargetNamesItsShardsAfterItselfAndWritesNoAuxFiles() throws IOException {
        Path out = dir.resolve("x/my.safetensors");
        try (ModelSource src = RealFilesTest.open(FLUXML)) {
            Metadata withAux = src.metadata().copy().putFile(AuxFile.of("config.json", "{}".getBytes(StandardCharsets.UTF_8)));
            OutputPlan plan = new OutputPlan(withAux, copyPlan(src).tensors(), Optional.empty());
            ModelSink sink = WRITER.create(out, plan, Map.of("max_shard_size", "2KB"));
            writeAll(src, sink);
            sink.commit();
            assertThat(listAll(dir.resolve("x"))).containsExactly("my-00001-of-00003.safetensors",
                    "my-00002-of-00003.safetensors", "my-00003-of-00003.safetensors", "my.safetensors.index.json");
            try (ModelSource back = RealFilesTest.open(dir.resolve("x/my.safetensors.index.json"))) {
                assertSameTensors(src, back);
            }
        }
    }

    private static void writeAll(ModelSource src, ModelSink sink) throws IOException {
        for (int i = 0; i < src.tensors().size(); i++) {
            sink.write(i, 0, 0, ((StoredTensor) src.tensors().get(i)).parts().getFirst().data());
        }
    }

    @Test
    void auxFilesAreCopiedIntoAFolderOutput() throws IOException {
        Path hf = TestSupport.testdata().resolve("fixtures/hf/stories260K-hf");
        Path out = dir.resolve("hf");
        try (ModelSource src = RealFilesTest.open(hf)) {
            copy(src, WRITER, out, Map.of(), 4096);
            assertThat(listAll(out)).containsExactly("config.json", "generation_config.json", "model.safetensors",
                    "special_tokens_map.json", "tokenizer.model", "tokenizer_config.json");
            for (String aux : List.of("config.json", "tokenizer.model", "tokenizer_config.json")) {
                assertThat(Files.readAllBytes(out.resolve(aux))).isEqualTo(Files.readAllBytes(hf.resolve(aux)));
            }
            try (ModelSource back = RealFilesTest.open(out)) {
                assertSameTensors(src, back);
            }
        }
    }

    @Test
    void aQuantizedCheckpointsConfigLosesItsQuantizationSettings() throws IOException {
        Path gptq = TestSupport.testdata().resolve("fixtures/hf/stories260K_gptq_v1_4bit_g32_sym_act");
        Path out = dir.resolve("plain");
        try (ModelSource src = RealFilesTest.open(FLUXML)) {
            Metadata meta = src.metadata().copy()
                    .putFile(AuxFile.of(gptq.resolve("config.json")))
                    .putFile(AuxFile.of(gptq.resolve("quantize_config.json")))
                    .putFile(AuxFile.of(gptq.resolve("tokenizer.model")));
            ModelSink sink = WRITER.create(out, new OutputPlan(meta, copyPlan(src).tensors(), Optional.empty()), Map.of());
            writeAll(src, sink);
            sink.commit();
        }
        assertThat(listAll(out)).containsExactly("config.json", "model.safetensors", "tokenizer.model");
        String before = Files.readString(gptq.resolve("config.json"));
        String after = Files.readString(out.resolve("config.json"));
        assertThat(before).contains("\"quantization_config\"");
        assertThat(after).doesNotContain("quantization_config").endsWith("}\n")
                .contains("\"architectures\": [\n    \"LlamaForCausalLM\"\n  ]");
        // the rest is as transformers writes it: the same text without the quantization_config block
        String block = before.substring(before.indexOf("  \"quantization_config\""));
        block = block.substring(0, block.indexOf("\n  },\n") + 6);
        assertThat(after).isEqualTo(before.replace(block, ""));
        assertThat(Files.readAllBytes(out.resolve("tokenizer.model")))
                .isEqualTo(Files.readAllBytes(gptq.resolve("tokenizer.model")));
    }

    @Test
    void aCheckpointLayoutStoresEveryPartUnderItsNameWithTheSchemesConfig() throws IOException {
        Path gptq = TestSupport.testdata().resolve("fixtures/hf/stories260K_gptq_v1_4bit_g32_sym_act");
        Path out = dir.resolve("layout");
        TensorInfo layer = new TensorInfo("layer.weight", Shape.of(4, 16), Encoding.of("toy"));
        PlannedTensor quantized = new PlannedTensor(layer, List.of(
                new PartSpec("qweight", ElementType.I32, Shape.of(2, 4), PartSpec.Rows.LAST),
                new PartSpec("scales", ElementType.F16, Shape.of(1, 4), PartSpec.Rows.LAST)),
                List.of("layer.qweight", "layer.scales"));
        Metadata meta = new Metadata().putFile(AuxFile.of(gptq.resolve("config.json")))
                .putFile(AuxFile.of(gptq.resolve("quantize_config.json")));
        byte[] side = "{\"bits\": 4}\n".getBytes(StandardCharsets.UTF_8);
        var checkpoint = new dev.requant.spi.CheckpointConfig(
                Map.of("quantization_config", "{\"bits\": 4, \"quant_method\": \"toy\", \"scale\": 1e-06}"),
                List.of(AuxFile.of("quantize_config.json", side)));
        ModelSink sink = WRITER.create(out, new OutputPlan(meta, List.of(quantized, plain("norm.weight", ElementType.F32,
                4)), Optional.empty(), Optional.of(checkpoint)), Map.of());
        sink.write(0, 0, 0, java.lang.foreign.Arena.ofAuto().allocateFrom(java.lang.foreign.ValueLayout.JAVA_INT, 1, 2, 3, 4, 5, 6, 7, 8));
        sink.write(0, 1, 0, java.lang.foreign.Arena.ofAuto().allocateFrom(java.lang.foreign.ValueLayout.JAVA_SHORT, (short) 9, (short) 10, (short) 11, (short) 12));
        sink.write(1, 0, 0, java.lang.foreign.Arena.ofAuto().allocateFrom(java.lang.foreign.ValueLayout.JAVA_FLOAT, 1, 2, 3, 4));
        sink.commit();

        try (ModelSource back = RealFilesTest.open(out.resolve("model.safetensors"))) {
            Map<String, StoredTensor> t = byName(back);
            assertThat(t.keySet()).containsExactlyInAnyOrder("layer.qweight", "layer.scales", "norm.weight");
            assertThat(t.get("layer.qweight").info().shape()).isEqualTo(Shape.of(2, 4));
            assertThat(t.get("layer.scales").info().type()).isEqualTo(ElementType.F16);
            assertThat(t.get("layer.qweight").parts().getFirst().data()
                    .getAtIndex(java.lang.foreign.ValueLayout.JAVA_INT_UNALIGNED, 7)).isEqualTo(8);
        }
        String config = Files.readString(out.resolve("config.json"));
        assertThat(config).contains("\"architectures\"").doesNotContain("\"gptq\"")
                .contains("  \"quantization_config\": {\n    \"bits\": 4,\n    \"quant_method\": \"toy\",\n"
                        + "    \"scale\": 1e-06\n  }\n}\n");
        assertThat(Files.readAllBytes(out.resolve("quantize_config.json"))).isEqualTo(side);
    }

    @Test
    void aCheckpointConfigWithoutASourceConfigGetsAConfigOfItsOwn() throws IOException {
        Path out = dir.resolve("bare");
        var checkpoint = new dev.requant.spi.CheckpointConfig(Map.of("quantization", "{\"bits\": 4}"), List.of());
        ModelSink sink = WRITER.create(out, new OutputPlan(new Metadata(), List.of(plain("x", ElementType.U8, 1)),
                Optional.empty(), Optional.of(checkpoint)), Map.of());
        sink.write(0, 0, 0, MemorySegment.ofArray(new byte[] {7}));
        sink.commit();
        assertThat(Files.readString(out.resolve("config.json"))).isEqualTo("{\n  \"quantization\": {\n    \"bits\": 4\n  }\n}\n");
    }

    @Test
    void aConfigWithoutQuantizationIsCopiedByteForByte() throws IOException {
        Path hf = TestSupport.testdata().resolve("fixtures/hf/stories260K-hf");
        Path out = dir.resolve("copy");
        try (ModelSource src = RealFilesTest.open(FLUXML)) {
            Metadata meta = src.metadata().copy().putFile(AuxFile.of(hf.resolve("config.json")));
            ModelSink sink = WRITER.create(out, new OutputPlan(meta, copyPlan(src).tensors(), Optional.empty()), Map.of());
            writeAll(src, sink);
            sink.commit();
        }
        assertThat(Files.readAllBytes(out.resolve("config.json"))).isEqualTo(Files.readAllBytes(hf.resolve("config.json")));
    }

    @Test
    void abortLeavesNothingBehind() throws IOException {
        Path out = dir.resolve("aborted");
        try (ModelSource src = RealFilesTest.open(FLUXML)) {
            Metadata withAux = src.metadata().copy().putFile(AuxFile.of("config.json", "{}".getBytes(StandardCharsets.UTF_8)));
            OutputPlan plan = new OutputPlan(withAux, copyPlan(src).tensors(), Optional.empty());
            ModelSink sink = WRITER.create(out, plan, Map.of("max_shard_size", "1KB"));
            assertThat(listAll(out)).isNotEmpty().allMatch(f -> f.startsWith(".") && f.endsWith(".part"));
            sink.write(0, 0, 0, ((StoredTensor) src.tensors().getFirst()).parts().getFirst().data());
            sink.abort();
            assertThat(listAll(out)).isEmpty();
            sink.abort();
            assertThatThrownBy(() -> sink.write(0, 0, 0, MemorySegment.ofArray(new byte[1])))
                    .isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void commitRefusesATensorThatWasNotFullyWritten() throws IOException {
        Path out = dir.resolve("partial");
        try (ModelSource src = RealFilesTest.open(FLUXML)) {
            ModelSink sink = WRITER.create(out, copyPlan(src), Map.of());
            writeAll(src, sink);
            ModelSink second = WRITER.create(dir.resolve("partial2"), copyPlan(src), Map.of());
            for (int i = 1; i < src.tensors().size(); i++) {
                second.write(i, 0, 0, ((StoredTensor) src.tensors().get(i)).parts().getFirst().data());
            }
            second.write(0, 0, 0, ((StoredTensor) src.tensors().getFirst()).parts().getFirst().data().asSlice(0, 8));
            assertThatThrownBy(second::commit).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("tensor int64_3: 8 of 24 bytes written");
            second.abort();
            assertThat(listAll(dir.resolve("partial2"))).isEmpty();
            sink.commit();
            assertThat(listAll(out)).containsExactly("model.safetensors");
            sink.abort(); // after a successful commit: nothing to undo
            assertThat(listAll(out)).containsExactly("model.safetensors");
        }
    }

    @Test
    void writesOutsideATensorAreRefused() throws IOException {
        try (ModelSource src = RealFilesTest.open(FLUXML)) {
            ModelSink sink = WRITER.create(dir.resolve("bounds"), copyPlan(src), Map.of());
            try {
                MemorySegment four = MemorySegment.ofArray(new byte[4]);
                assertThatThrownBy(() -> sink.write(0, 0, 21, four)).isInstanceOf(IndexOutOfBoundsException.class)
                        .hasMessageContaining("int64_3: bytes [21, 25) outside its 24 bytes");
                assertThatThrownBy(() -> sink.write(0, 0, -1, four)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> sink.write(0, 1, 0, four)).isInstanceOf(IndexOutOfBoundsException.class);
                assertThatThrownBy(() -> sink.write(36, 0, 0, four)).isInstanceOf(IndexOutOfBoundsException.class);
            } finally {
                sink.abort();
            }
        }
    }

    @Test
    void refusesWhatItCannotStore() {
        Shape s = Shape.of(4, 32);
        TensorInfo q = new TensorInfo("q", s, Encoding.of("q8_0"));
        List<PlannedTensor> multi = List.of(new PlannedTensor(new TensorInfo("w", s, ElementType.I32),
                List.of(new PartSpec("qweight", ElementType.I32, s), new PartSpec("scales", ElementType.F16, Shape.of(4)))));
        List<List<PlannedTensor>> bad = List.of(
                List.of(new PlannedTensor(q, List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(136))))),
                multi,
                List.of(new PlannedTensor(new TensorInfo("w", s, ElementType.F32),
                        List.of(new PartSpec(PartSpec.DATA, ElementType.F16, s)))),
                List.of(plain("dup", ElementType.U8, 1), plain("dup", ElementType.I8, 1)),
                List.of(plain("__metadata__", ElementType.U8, 1)));
        for (List<PlannedTensor> tensors : bad) {
            assertThatThrownBy(() -> WRITER.create(dir.resolve("bad"), new OutputPlan(new Metadata(), tensors,
                    Optional.empty()), Map.of())).isInstanceOf(IllegalArgumentException.class);
        }
        OutputPlan ok = new OutputPlan(new Metadata(), List.of(plain("x", ElementType.U8, 1)), Optional.empty());
        assertThatThrownBy(() -> WRITER.create(dir.resolve("bad"), ok, Map.of("max_shard_size", "5 parsecs")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("max_shard_size");
        assertThatThrownBy(() -> WRITER.create(dir.resolve("bad"), ok, Map.of("alignment", "64")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("alignment");
        Metadata nonString = new Metadata().put("safetensors.n", new MetaValue.Int(MetaType.U32, 3));
        assertThatThrownBy(() -> WRITER.create(dir.resolve("bad"), new OutputPlan(nonString, ok.tensors(),
                Optional.empty()), Map.of())).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("safetensors.n");
        assertThat(dir.resolve("bad")).doesNotExist();
    }

    @Test
    void refusesToLeaveStaleWeightsBesideANewOutput() throws IOException {
        Path out = Files.createDirectories(dir.resolve("stale"));
        Files.write(out.resolve("model-00001-of-00002.safetensors"), new byte[0]);
        OutputPlan ok = new OutputPlan(new Metadata(), List.of(plain("x", ElementType.U8, 1)), Optional.empty());
        assertThatThrownBy(() -> WRITER.create(out, ok, Map.of())).isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("model-00001-of-00002.safetensors");
        Files.delete(out.resolve("model-00001-of-00002.safetensors"));
        Files.write(out.resolve("model.safetensors"), new byte[0]);
        ModelSink sink = WRITER.create(out, ok, Map.of());
        sink.write(0, 0, 0, MemorySegment.ofArray(new byte[] {5}));
        sink.commit();
        try (ModelSource back = RealFilesTest.open(out)) {
            assertThat(TestSupport.data((StoredTensor) back.tensors().getFirst())).containsExactly(5);
        }
    }

    @Test
    void headerAndIndexEscapeStringsLikeSerdeAndPython() throws IOException {
        String name = "q\"\\\n\u0001é\u007f😀";
        Metadata meta = new Metadata().put("safetensors.format", new MetaValue.Str("mlx"))
                .put("safetensors.k\t", new MetaValue.Str("v/é"));
        OutputPlan plan = new OutputPlan(meta, List.of(plain(name, ElementType.U8, 1), plain("a", ElementType.U8, 1)),
                Optional.empty());
        OutputLayout layout = OutputLayout.of("model", plan, 1);
        String header = new String(layout.shards().getFirst().head(), 8, layout.shards().getFirst().head().length - 8,
                StandardCharsets.UTF_8);
        assertThat(header).isEqualTo("{\"__metadata__\":{\"format\":\"mlx\",\"k\\t\":\"v/é\"},"
                + "\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}      ");
        String second = new String(layout.shards().get(1).head(), 8, layout.shards().get(1).head().length - 8,
                StandardCharsets.UTF_8);
        assertThat(second).startsWith("{\"__metadata__\":{\"format\":\"mlx\",\"k\\t\":\"v/é\"},"
                + "\"q\\\"\\\\\\n\\u0001é\u007f😀\":{");
        // what Python's json.dumps(index, indent=2, sort_keys=True) + "\n" gives for these names
        assertThat(new String(layout.index().orElseThrow(), StandardCharsets.UTF_8)).isEqualTo("""
                {
                  "metadata": {
                    "total_size": 2
                  },
                  "weight_map": {
                    "a": "model-00001-of-00002.safetensors",
                    "q\\"\\\\\\n\\u0001\\u00e9\\u007f\\ud83d\\ude00": "model-00002-of-00002.safetensors"
                  }
                }
                """);
    }

    @Test
    void anEmptyPlanGivesAValidFile() throws IOException {
        Path out = dir.resolve("empty.safetensors");
        ModelSink sink = WRITER.create(out, new OutputPlan(new Metadata(), List.of(), Optional.empty()), Map.of());
        sink.commit();
        byte[] bytes = Files.readAllBytes(out);
        assertThat(TestSupport.headerText(bytes)).isEqualTo("{\"__metadata__\":{\"format\":\"pt\"}}");
        try (ModelSource back = RealFilesTest.open(out)) {
            assertThat(back.tensors()).isEmpty();
        }
    }

    @Test
    void acceptsSafetensorsFilesAndFolders() {
        assertThat(WRITER.accepts(Path.of("out/model.safetensors"))).isTrue();
        assertThat(WRITER.accepts(Path.of("out/llama"))).isTrue();
        assertThat(WRITER.accepts(dir)).isTrue();
        assertThat(WRITER.accepts(Path.of("out/model.gguf"))).isFalse();
        for (ElementType t : ElementType.values()) {
            assertThat(WRITER.canStore(t)).isTrue();
        }
        assertThat(WRITER.canStore(Encoding.of("q4_k"))).isFalse();
        assertThat(WRITER.options()).containsExactly("max_shard_size");
    }

    @Test
    void shardSizesParseLikeHuggingFaceHub() {
        assertThat(ShardSize.parse("5GB")).isEqualTo(5_000_000_000L);
        assertThat(ShardSize.parse("500MB")).isEqualTo(500_000_000L);
        assertThat(ShardSize.parse("2GiB")).isEqualTo(2L << 30);
        assertThat(ShardSize.parse("10mib")).isEqualTo(10L << 20);
        assertThat(ShardSize.parse("1.5 GB")).isEqualTo(1_500_000_000L);
        assertThat(ShardSize.parse("4096")).isEqualTo(4096);
        assertThat(ShardSize.parse("3KB")).isEqualTo(3000);
        for (String bad : new String[] {"", "GB", "-1GB", "0", "0.1B", "5 GBs", "1e9", "99999999999TB"}) {
            assertThatThrownBy(() -> ShardSize.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("max_shard_size: '" + bad + "'");
        }
    }
}
