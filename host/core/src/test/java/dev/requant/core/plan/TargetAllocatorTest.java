package dev.requant.core.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.core.Fakes;
import dev.requant.core.plugin.Registry;
import dev.requant.core.recipe.Location;
import dev.requant.core.types.Codecs;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class TargetAllocatorTest {
    /** Symmetric round-to-nearest with one f32 scale per row and {@code bits} per value (4 or 8), packed. */
    static final class RowQuant implements QuantScheme {
        private final int bits;

        RowQuant(int bits) {
            this.bits = bits;
        }

        @Override
        public String id() {
            return "row" + bits;
        }

        @Override
        public String description() {
            return "test";
        }

        @Override
        public Encoding encoding(Map<String, String> params) {
            return Encoding.of(id());
        }

        @Override
        public Optional<String> fit(TensorInfo t) {
            return Optional.empty();
        }

        @Override
        public List<PartSpec> layout(TensorInfo t) {
            long rowBytes = 4 + t.shape().rowLength() * bits / 8;
            return List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(t.shape().rows() * rowBytes)));
        }

        private long rowBytes(long rowLength) {
            return 4 + rowLength * bits / 8;
        }

        @Override
        public void decode(StoredTensor s, long firstRow, int rows, float[] dst, int off) {
            int n = Math.toIntExact(s.info().shape().rowLength());
            MemorySegment data = s.part(PartSpec.DATA).data();
            int max = (1 << (bits - 1)) - 1;
            for (int r = 0; r < rows; r++) {
                long at = (firstRow + r) * rowBytes(n);
                float scale = data.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at);
                for (int j = 0; j < n; j++) {
                    int q = bits == 8 ? data.get(ValueLayout.JAVA_BYTE, at + 4 + j)
                            : (data.get(ValueLayout.JAVA_BYTE, at + 4 + j / 2) >> (4 * (j % 2))) << 28 >> 28;
                    dst[off + r * n + j] = q * scale / max;
                }
            }
        }

        @Override
        public void encode(TensorInfo t, float[] src, int off, int rows, MemorySegment[] out) {
            int n = Math.toIntExact(t.shape().rowLength());
            int max = (1 << (bits - 1)) - 1;
            out[0].fill((byte) 0);
            for (int r = 0; r < rows; r++) {
                long at = r * rowBytes(n);
                float scale = 0;
                for (int j = 0; j < n; j++) {
                    scale = Math.max(scale, Math.abs(src[off + r * n + j]));
                }
                out[0].set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, scale);
                for (int j = 0; j < n; j++) {
                    int q = scale == 0 ? 0 : Math.round(src[off + r * n + j] / scale * max);
                    if (bits == 8) {
                        out[0].set(ValueLayout.JAVA_BYTE, at + 4 + j, (byte) q);
                    } else {
                        long b = at + 4 + j / 2;
                        out[0].set(ValueLayout.JAVA_BYTE, b, (byte) (out[0].get(ValueLayout.JAVA_BYTE, b) | (q & 15) << (4 * (j % 2))));
                    }
                }
            }
        }
    }

    private static final Registry REGISTRY = Registry.of(List.of(new RowQuant(4), new RowQuant(8)));
    private static final List<TensorType> TYPES = List.of(Encoding.of("row4"), Encoding.of("row8"), ElementType.F16);

    /** Three 64x256 matrices: smooth, one with rare large outliers (4 bits hurt it most), and a norm. */
    private static final ModelSource MODEL = Fakes.source(
            Fakes.f32("smooth.weight", i -> Math.sin(i * 0.01), 64, 256),
            Fakes.f32("outliers.weight", i -> i % 97 == 0 ? 40 : Math.cos(i * 0.37), 64, 256),
            Fakes.f32("also_smooth.weight", i -> Math.sin(i * 0.013 + 1), 64, 256),
            Fakes.f32("norm.weight", i -> 1, 256));

    private static PlannedOutput plan(Target target) {
        Quantization q = new Quantization(List.of(), Optional.empty(), Optional.empty(), Optional.of(target),
                Optional.empty(), Optional.empty());
        return new Planner(new Codecs(REGISTRY), List.of()).plan(MODEL, Path.of("o.mem"), new Fakes.MemoryWriter(),
                Map.of(), q);
    }

    private static Target bpw(double bits) {
        return new Target(OptionalDouble.of(bits), OptionalLong.empty(), TYPES, new Location("r.yaml", 3, 15));
    }

    private static double bitsPerWeight(PlannedOutput o) {
        long values = o.entries().stream().mapToLong(e -> e.target().shape().numel()).sum();
        return o.dataBytes() * 8.0 / values;
    }

    private static String type(PlannedOutput o, String name) {
        return o.entries().stream().filter(e -> e.target().name().equals(name)).findFirst().orElseThrow()
                .target().type().id();
    }

    @Test
    void theTensorThatSuffersMostGetsTheBitsFirst() {
        // all row4: 4.27 bpw with the f32 norm; all row8: 8.3; one upgrade to row8 fits under 6.2, two do not
        PlannedOutput o = plan(bpw(6.2));
        assertThat(type(o, "outliers.weight")).isEqualTo("row8");
        assertThat(type(o, "smooth.weight")).isEqualTo("row4");
        assertThat(type(o, "also_smooth.weight")).isEqualTo("row4");
        assertThat(type(o, "norm.weight")).as("not a weight matrix: kept").isEqualTo("f32");
        assertThat(bitsPerWeight(o)).isLessThanOrEqualTo(6.2);
        assertThat(o.entries().get(1).why()).startsWith("target_bpw 6.20 (r.yaml:3:15): row8, rel_rmse ")
                .contains("(row4: ");
        assertThat(o.quantization()).contains("ROW4");
    }

    @Test
    void aGenerousTargetBuysTheBestTypesAndNoMore() {
        PlannedOutput o = plan(bpw(64));
        assertThat(o.entries()).filteredOn(e -> e.target().name().endsWith(".weight") && e.target().shape().rank() == 2)
                .allSatisfy(e -> assertThat(e.target().type()).isEqualTo(ElementType.F16));
    }

    @Test
    void theBudgetHoldsWheneverItCanBeMet() {
        for (double target = 4.7; target < 17; target += 0.37) {
            PlannedOutput o = plan(bpw(target));
            assertThat(bitsPerWeight(o)).as("target %.2f", target).isLessThanOrEqualTo(target);
        }
        PlannedOutput bySize = plan(new Target(OptionalDouble.empty(), OptionalLong.of(40_000), TYPES,
                new Location("r.yaml", 3, 15)));
        assertThat(bySize.dataBytes()).isLessThanOrEqualTo(40_000);
    }

    @Test
    void anImpossibleTargetSaysWhatTheSmallestChoiceTakes() {
        assertThatThrownBy(() -> plan(bpw(3)))
                .isInstanceOf(PlanException.class)
                .hasMessageContaining("cannot meet target_bpw 3.00 (r.yaml:3:15)")
                .hasMessageContaining("already takes 4.269 bits per weight (26368 bytes for a budget of 18528)");
    }
}
