package dev.requant.plugins.gguf;

import static dev.requant.plugins.gguf.TestGguf.ARRAY;
import static dev.requant.plugins.gguf.TestGguf.BOOL;
import static dev.requant.plugins.gguf.TestGguf.STRING;
import static dev.requant.plugins.gguf.TestGguf.U8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Valid files that the real ones do not cover. */
class GgufReaderSyntheticTest {
    @TempDir
    Path dir;

    @Test
    void everyGgmlTypeMapsToAnElementTypeOrItsEncoding() throws IOException {
        TestGguf g = new TestGguf();
        int seed = 0;
        for (GgmlType t : GgmlType.values()) {
            if (t.isUsable()) {
                g.tensor(t.typeName(), t.id(), TestGguf.random(3L * t.typeSize(), seed++), t.blockSize(), 3);
            }
        }
        try (ModelSource m = open(g.build())) {
            for (SourceTensor s : m.tensors()) {
                GgmlType t = GgmlType.byName(s.name()).orElseThrow();
                PartSpec part = Models.stored(s).parts().getFirst().spec();
                assertThat(s.info().shape()).isEqualTo(Shape.of(3, t.blockSize()));
                if (t.isQuantized()) {
                    assertThat(s.info().type()).isEqualTo(Encoding.of(t.typeName()));
                    assertThat(part).isEqualTo(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(3, t.typeSize())));
                } else {
                    ElementType e = (ElementType) s.info().type();
                    assertThat(e.id()).isEqualTo(t.typeName());
                    assertThat(part).isEqualTo(new PartSpec(PartSpec.DATA, e, Shape.of(3, 1)));
                }
                assertThat(part.byteSize()).isEqualTo(3L * t.typeSize());
            }
            assertThat(m.tensors()).hasSize(35);
            assertThat(m.tensors().get(2).info().type()).isEqualTo(Encoding.of("q4_0"));
        }
    }

    @Test
    void quantizedTensorsOfThreeAndFourDimensionsAreRowsOfBlocks() throws IOException {
        byte[] data = TestGguf.random(5 * 4 * 3 * 2 * 144L, 7);
        try (ModelSource m = open(new TestGguf().tensor("experts", 12, data, 256 * 5, 4, 3, 2).build())) {
            SourceTensor t = m.tensors().getFirst();
            assertThat(t.info().shape()).isEqualTo(Shape.of(2, 3, 4, 1280));
            assertThat(t.info().type().id()).isEqualTo("q4_k");
            assertThat(Models.stored(t).parts().getFirst().spec().shape()).isEqualTo(Shape.of(24, 5 * 144));
            assertThat(Models.stored(t).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(data);
        }
    }

    @Test
    void version2IsRead() throws IOException {
        try (ModelSource m = open(new TestGguf().version(2).u32("n", 1).f32("a", 1, 4).build())) {
            assertThat(m.metadata().integer("n")).contains(1L);
            assertThat(m.tensors()).hasSize(1);
        }
    }

    @Test
    void nestedArraysAndEmptyArraysAreRead() throws IOException {
        TestGguf g = new TestGguf()
                .kv("nested", ARRAY, o -> o.u32(ARRAY).u64(2)
                        .u32(U8).u64(2).u8(1).u8(255)
                        .u32(STRING).u64(1).str("x"))
                .kv("empty", ARRAY, o -> o.u32(STRING).u64(0))
                .kv("flag", BOOL, o -> o.u8(2));
        try (ModelSource m = open(g.build())) {
            assertThat(m.metadata().get("nested")).contains(new MetaValue.Arr(MetaType.ARRAY, List.of(
                    new MetaValue.Arr(MetaType.U8, List.of(new MetaValue.Int(MetaType.U8, 1),
                            new MetaValue.Int(MetaType.U8, 255))),
                    MetaValue.strings(List.of("x")))));
            assertThat(m.metadata().get("empty")).contains(new MetaValue.Arr(MetaType.STRING, List.of()));
            // ggml reads any non-zero byte as true
            assertThat(m.metadata().get("flag")).contains(new MetaValue.Bool(true));
        }
    }

    @Test
    void aFileWithoutTensorsNeedsNoPadding() throws IOException {
        TestGguf g = new TestGguf().str("general.name", "none");
        byte[] bytes = g.build();
        int headerEnd = g.mark("kvvalue:general.name") + 8 + 4;
        try (ModelSource m = open(Arrays.copyOf(bytes, headerEnd))) {
            assertThat(m.tensors()).isEmpty();
            assertThat(m.metadata().string("general.name")).contains("none");
        }
    }

    @Test
    void theLastTensorNeedsNoTrailingPadding() throws IOException {
        try (ModelSource m = open(new TestGguf().f32("a", 1, 3).f32("b", 2, 5).noTrailingPadding().build())) {
            assertThat(m.tensors()).extracting(t -> t.info().shape()).containsExactly(Shape.of(3), Shape.of(5));
        }
    }

    @Test
    void aTensorWithoutDimensionsIsAScalar() throws IOException {
        try (ModelSource m = open(new TestGguf().tensor("s", 0, new byte[] {0, 0, (byte) 0x80, 0x3f}).build())) {
            SourceTensor s = m.tensors().getFirst();
            assertThat(s.info().shape()).isEqualTo(Shape.of());
            assertThat(Models.stored(s).parts().getFirst().data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0))
                    .isEqualTo(1.0f);
        }
    }

    /** ggml refuses names of 64 bytes or more; requant reads them so that a recipe can rename them. */
    @Test
    void longTensorNamesAreRead() throws IOException {
        String name = "x".repeat(100);
        try (ModelSource m = open(new TestGguf().f32(name, 1, 2).build())) {
            assertThat(m.tensors().getFirst().name()).isEqualTo(name);
        }
    }

    @Test
    void aDeclaredAlignmentPlacesTheData() throws IOException {
        TestGguf g = new TestGguf().alignment(256).u32("general.alignment", 256).f32("a", 1, 3).f32("b", 2, 3);
        byte[] bytes = g.build();
        try (ModelSource m = open(bytes)) {
            assertThat(m.metadata().values()).isEmpty();
            byte[] b = Models.stored(m.tensors().get(1)).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE);
            assertThat(b).isEqualTo(Arrays.copyOfRange(bytes, g.mark("data") + 256, g.mark("data") + 256 + 12));
            assertThat(g.mark("data") % 256).isZero();
        }
    }

    private ModelSource open(byte[] bytes) throws IOException {
        return Models.open(TestGguf.write(dir, "synthetic.gguf", bytes));
    }
}
