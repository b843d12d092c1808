package dev.requant.plugins.safetensors;

import static dev.requant.plugins.safetensors.TestSupport.byName;
import static dev.requant.plugins.safetensors.TestSupport.data;
import static dev.requant.plugins.safetensors.TestSupport.testdata;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.data.Offset.offset;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.ElementType;
import dev.requant.spi.MetaValue;
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
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The reader on files written by other tools (testdata/data/safetensors and testdata/fixtures). */
class RealFilesTest {
    private static final SafetensorsReader READER = new SafetensorsReader();
    private static final Path ABUSE = data("misc/syoyo-safetensors_abuse_attempt_1.safetensors");

    private static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    static ModelSource open(Path p) throws IOException {
        return READER.open(p, (id, path) -> {
            throw new IOException("no nested reader in this test");
        });
    }

    static Stream<Path> validDataFiles() throws IOException {
        try (Stream<Path> s = Files.walk(data(""))) {
            return s.filter(p -> p.toString().endsWith(".safetensors") && !p.equals(ABUSE)).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("validDataFiles")
    void readsEveryValidFileOfOtherTools(Path file) throws IOException {
        assertThat(READER.detect(file)).isEqualTo(Detection.CONTAINER);
        try (ModelSource m = open(file)) {
            assertThat(m.tensors()).isNotEmpty();
            long dataBytes = 0;
            for (SourceTensor t : m.tensors()) {
                StoredTensor s = (StoredTensor) t;
                assertThat(s.info().type()).isInstanceOf(ElementType.class);
                assertThat(s.parts()).singleElement().satisfies(p -> {
                    assertThat(p.role()).isEqualTo(PartSpec.DATA);
                    assertThat(p.spec().dtype()).isEqualTo(s.info().type());
                    assertThat(p.spec().shape()).isEqualTo(s.info().shape());
                });
                dataBytes += s.byteSize();
            }
            // the data section is exactly the tensors: header length + 8 + data = file size
            byte[] head = Files.readAllBytes(file);
            assertThat(8 + TestSupport.headerLength(head) + dataBytes).isEqualTo(head.length);
        }
    }

    @Test
    void refusesTheAbuseAttemptWithTheHeaderLengthAndOffset() throws IOException {
        assertThat(READER.detect(ABUSE)).as("recognised, so that open() explains").isEqualTo(Detection.CONTAINER);
        assertThatThrownBy(() -> open(ABUSE))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining(ABUSE.getFileName().toString())
                .hasMessageContaining("offset 0")
                .hasMessageContaining("header length 1000 runs past the end of the file (88 bytes");
    }

    @Test
    void fluxmlTorchFileHasTheDtypesShapesAndValuesItsHeaderDescribes() throws IOException {
        try (ModelSource m = open(data("fluxml-safetensors.jl/non_sharded/model.safetensors"))) {
            Map<String, StoredTensor> t = byName(m);
            assertThat(t).hasSize(36);
            Map<String, ElementType> prefixes = Map.ofEntries(
                    Map.entry("int64", ElementType.I64), Map.entry("float64", ElementType.F64),
                    Map.entry("float32", ElementType.F32), Map.entry("int32", ElementType.I32),
                    Map.entry("bfloat16", ElementType.BF16), Map.entry("float16", ElementType.F16),
                    Map.entry("int16", ElementType.I16), Map.entry("float8_e4m3fn", ElementType.F8_E4M3),
                    Map.entry("float8_e5m2", ElementType.F8_E5M2), Map.entry("int8", ElementType.I8),
                    Map.entry("uint8", ElementType.U8), Map.entry("bool", ElementType.BOOL));
            Map<String, Shape> suffixes = Map.of("_3", Shape.of(3), "_35", Shape.of(3, 5), "_357", Shape.of(3, 5, 7));
            for (var e : prefixes.entrySet()) {
                for (var s : suffixes.entrySet()) {
                    StoredTensor x = t.get(e.getKey() + s.getKey());
                    assertThat(x.info().type()).as(x.name()).isEqualTo(e.getValue());
                    assertThat(x.info().shape()).as(x.name()).isEqualTo(s.getValue());
                    assertThat(x.byteSize()).isEqualTo(s.getValue().numel() * e.getValue().bits() / 8);
                }
            }
            // tensors come in data order, which safetensors.torch made dtype-descending then by name
            assertThat(m.tensors().getFirst().name()).isEqualTo("int64_3");
            assertThat(m.tensors().getLast().name()).isEqualTo("bool_357");

            MemorySegment i64 = t.get("int64_3").parts().getFirst().data();
            assertThat(new long[] {i64.get(I64, 0), i64.get(I64, 8), i64.get(I64, 16)}).containsExactly(64, 64, 30);
            MemorySegment i32 = t.get("int32_3").parts().getFirst().data();
            assertThat(new int[] {i32.get(I32, 0), i32.get(I32, 4), i32.get(I32, 8)}).containsExactly(42, 13, 59);
            MemorySegment f16 = t.get("float16_3").parts().getFirst().data();
            assertThat(Float.float16ToFloat(f16.get(I16, 0))).isCloseTo(0.1238f, offset(1e-3f));
            MemorySegment f32 = t.get("float32_3").parts().getFirst().data();
            assertThat(f32.get(F32, 0)).isCloseTo(0.01330373f, offset(1e-7f));
            MemorySegment f64 = t.get("float64_3").parts().getFirst().data();
            assertThat(f64.get(F64, 0)).isCloseTo(0.09568845, offset(1e-8));
            for (byte b : TestSupport.data(t.get("bool_357"))) {
                assertThat(b).isBetween((byte) 0, (byte) 1);
            }
            assertThat(m.metadata().values()).isEmpty();
        }
    }

    @Test
    void fluxmlShardedCheckpointHoldsTheSameTensorsAsTheSingleFile() throws IOException {
        Path folder = data("fluxml-safetensors.jl/sharded");
        assertThat(READER.detect(folder)).isEqualTo(Detection.CONTAINER);
        assertThat(READER.detect(folder.resolve("model.safetensors.index.json"))).isEqualTo(Detection.CONTAINER);
        try (ModelSource single = open(data("fluxml-safetensors.jl/non_sharded/model.safetensors"));
                ModelSource viaFolder = open(folder);
                ModelSource viaIndex = open(folder.resolve("model.safetensors.index.json"))) {
            Map<String, StoredTensor> expected = byName(single);
            for (ModelSource sharded : List.of(viaFolder, viaIndex)) {
                Map<String, StoredTensor> got = byName(sharded);
                assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
                for (var e : expected.entrySet()) {
                    StoredTensor g = got.get(e.getKey());
                    assertThat(g.info()).isEqualTo(e.getValue().info());
                    assertThat(TestSupport.data(g)).isEqualTo(TestSupport.data(e.getValue()));
                }
                // shards in name order, each in data order: shard 1 starts with the I64 tensors
                assertThat(sharded.tensors().stream().map(SourceTensor::name).limit(3))
                        .containsExactly("int64_3", "int64_35", "float64_3");
                assertThat(sharded.tensors().getLast().name()).isEqualTo("float8_e5m2_357");
                assertThat(sharded.metadata().string("safetensors.format")).contains("pt");
            }
        }
    }

    @Test
    void metadataEntriesBecomePrefixedStrings() throws IOException {
        try (ModelSource m = open(data("fluxml-safetensors.jl/non_sharded/model.with_metadata.safetensors"))) {
            assertThat(m.metadata().values()).containsExactly(
                    Map.entry("safetensors.test", new MetaValue.Str("metadata")),
                    Map.entry("safetensors.version", new MetaValue.Str("2.2")));
        }
    }

    @Test
    void hfSamplesWithUnalignedDataStartHoldMinusThreeToTwo() throws IOException {
        Map<String, ElementType> files = Map.of("B", ElementType.U8, "H", ElementType.U16, "I", ElementType.U32,
                "b", ElementType.I8, "h", ElementType.I16, "i", ElementType.I32,
                "e", ElementType.F16, "f", ElementType.F32, "d", ElementType.F64);
        for (var e : files.entrySet()) {
            Path p = data("hf-safetensors-samples/" + e.getKey() + ".safetensors");
            assertThat(TestSupport.headerLength(Files.readAllBytes(p)) % 8).isNotZero();
            try (ModelSource m = open(p)) {
                StoredTensor t = (StoredTensor) m.tensors().getFirst();
                assertThat(t.name()).isEqualTo(e.getKey());
                assertThat(t.info().type()).isEqualTo(e.getValue());
                assertThat(t.info().shape()).isEqualTo(Shape.of(6));
                assertThat(values(t)).as(p.toString()).containsExactly(-3, -2, -1, 0, 1, 2);
                assertThat(m.metadata().string("safetensors.test")).contains("a");
            }
        }
        try (ModelSource all = open(data("hf-safetensors-samples/overall.safetensors"))) {
            assertThat(all.tensors()).extracting(SourceTensor::name)
                    .containsExactly("B", "H", "I", "b", "d", "e", "f", "h", "i");
            for (SourceTensor t : all.tensors()) {
                assertThat(values((StoredTensor) t)).containsExactly(-3, -2, -1, 0, 1, 2);
            }
        }
    }

    /** Element values as doubles; unsigned integers wrapped to their signed meaning (the samples store -3 as 253). */
    private static double[] values(StoredTensor t) {
        MemorySegment s = t.parts().getFirst().data();
        ElementType type = (ElementType) t.info().type();
        int n = (int) t.info().shape().numel();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (type) {
                case U8, I8 -> s.get(ValueLayout.JAVA_BYTE, i);
                case U16, I16 -> s.get(I16, 2L * i);
                case U32, I32 -> s.get(I32, 4L * i);
                case F16 -> Float.float16ToFloat(s.get(I16, 2L * i));
                case F32 -> s.get(F32, 4L * i);
                case F64 -> s.get(F64, 8L * i);
                default -> throw new AssertionError(type);
            };
        }
        return out;
    }

    @Test
    void miscFilesHaveTheirNamedTensors() throws IOException {
        try (ModelSource m = open(data("misc/mlverse-hello.safetensors"))) {
            assertThat(m.tensors()).extracting(t -> t.info().toString())
                    .containsExactly("hello [10, 10] f32", "world [5, 10] f32");
        }
        try (ModelSource m = open(data("misc/tmanabe-sample.safetensors"))) {
            assertThat(m.tensors()).extracting(t -> t.info().toString())
                    .containsExactly("some_ints [1, 4] i64", "some_floats [1, 2, 2] f32");
            MemorySegment ints = ((StoredTensor) m.tensors().getFirst()).parts().getFirst().data();
            assertThat(ints.get(I64, 0)).isEqualTo(-1);
        }
    }

    @Test
    void aFolderOfUnrelatedFilesWithTheSameTensorNamesIsRefused() {
        Path folder = data("fluxml-safetensors.jl/non_sharded");
        assertThatThrownBy(() -> open(folder))
                .isInstanceOf(BadInputException.class)
                .hasMessageContaining("tensor int64_3")
                .hasMessageContaining("is stored in model.numpy.safetensors too");
    }

    static Stream<Path> fixtureWeightFiles() throws IOException {
        try (Stream<Path> s = Files.walk(testdata().resolve("fixtures"))) {
            return s.filter(p -> p.toString().endsWith(".safetensors")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("fixtureWeightFiles")
    void readsEveryFixtureFile(Path file) throws IOException {
        try (ModelSource m = open(file)) {
            long sum = m.tensors().stream().mapToLong(t -> ((StoredTensor) t).byteSize()).sum();
            assertThat(8 + TestSupport.headerLength(Files.readAllBytes(file)) + sum).isEqualTo(Files.size(file));
        }
    }

    @Test
    void aModelFolderSkipsExpectedSafetensorsAndCarriesItsSideFiles() throws IOException {
        Path folder = testdata().resolve("fixtures/hf/stories260K_gptq_v1_4bit_g32_sym_act");
        try (ModelSource viaFolder = open(folder); ModelSource viaFile = open(folder.resolve("model.safetensors"))) {
            assertThat(byName(viaFolder).keySet()).isEqualTo(byName(viaFile).keySet());
            assertThat(viaFolder.metadata().files().keySet()).containsExactly("config.json", "generation_config.json",
                    "quantize_config.json", "special_tokens_map.json", "tokenizer.model", "tokenizer_config.json");
            // a single file in a folder with config.json brings the same side files
            assertThat(viaFile.metadata().files().keySet()).isEqualTo(viaFolder.metadata().files().keySet());
            assertThat(viaFolder.metadata().files().get("config.json").bytes())
                    .isEqualTo(Files.readAllBytes(folder.resolve("config.json")));
        }
        try (ModelSource hf = open(testdata().resolve("fixtures/hf/stories260K-hf"))) {
            assertThat(hf.metadata().files()).doesNotContainKey("README.md").containsKey("tokenizer.model");
            assertThat(hf.tensors()).hasSize(48);
        }
        try (ModelSource lone = open(data("misc/mlverse-hello.safetensors"))) {
            assertThat(lone.metadata().files()).isEmpty();
        }
    }

    @Test
    void aShardedFixtureFolderIsReadThroughItsIndex() throws IOException {
        Path folder = testdata().resolve("fixtures/ct_w4_g32_asym_f16_sharded");
        try (ModelSource m = open(folder)) {
            String index = Files.readString(folder.resolve("model.safetensors.index.json"));
            for (SourceTensor t : m.tensors()) {
                assertThat(index).contains("\"" + t.name() + "\"");
            }
            assertThat(m.metadata().files()).containsKeys("config.json").doesNotContainKey("model.safetensors.index.json");
        }
    }

    @Test
    void detectsOnlySafetensors() throws IOException {
        Path gguf = testdata().resolve("data/gguf");
        try (Stream<Path> s = Files.list(gguf)) {
            for (Path p : s.toList()) {
                assertThat(READER.detect(p)).as(p.toString()).isEqualTo(Detection.NONE);
            }
        }
        assertThat(READER.detect(gguf)).isEqualTo(Detection.NONE);
        assertThat(READER.detect(testdata().resolve("data/hf/minicpm3-4b"))).isEqualTo(Detection.NONE);
        assertThat(READER.detect(testdata().resolve("data/hf/minicpm3-4b/config.json"))).isEqualTo(Detection.NONE);
        assertThat(READER.detect(testdata().resolve("fixtures/hf/stories260K-hf/README.md"))).isEqualTo(Detection.NONE);
        assertThat(READER.detect(testdata().resolve("does-not-exist"))).isEqualTo(Detection.NONE);
        assertThat(READER.detect(testdata().resolve("fixtures/hf/stories260K-hf"))).isEqualTo(Detection.CONTAINER);
    }
}
