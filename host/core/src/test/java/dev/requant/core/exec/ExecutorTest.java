package dev.requant.core.exec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.core.Fakes;
import dev.requant.core.plan.Plan;
import dev.requant.core.plan.PlannedOutput;
import dev.requant.core.plan.Planner;
import dev.requant.core.plan.Quantization;
import dev.requant.core.plugin.Registry;
import dev.requant.core.types.Codecs;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ExecutorTest {
    private final Codecs codecs = new Codecs(Registry.of(List.of(new Fakes.Half4(), new Fakes.Half2(), new Fakes.ColQ())));
    private final Planner planner = new Planner(codecs, List.of(ElementType.F16));
    private final Fakes.MemoryWriter writer = new Fakes.MemoryWriter();

    private final ModelSource model = Fakes.source(
            Fakes.f32("a.weight", i -> Math.sin(i * 0.37), 300, 16),
            Fakes.f32("norm.weight", i -> 1 + i, 16),
            Fakes.f32("b.weight", i -> i % 7 - 3, 33, 6));

    private static Quantization to(TensorType type) {
        return new Quantization(List.of(), Optional.of(type), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.empty());
    }

    private Plan plan(Quantization... outputs) {
        List<PlannedOutput> planned = new java.util.ArrayList<>();
        for (int i = 0; i < outputs.length; i++) {
            planned.add(planner.plan(model, Path.of("out" + i + ".mem"), writer, Map.of(), outputs[i]));
        }
        return new Plan(model, List.of(), planned);
    }

    private RunResult run(Plan plan, int threads, long chunk, boolean measure, Optional<FailCondition> failIf,
                          ProgressListener progress) throws IOException {
        return new Executor(codecs, new Executor.Options(threads, chunk, measure, failIf, progress)).run(plan);
    }

    @Test
    void convertsEveryRowOnceWhateverTheChunkingAndThreads() throws IOException {
        for (int threads : new int[] {1, 3}) {
            for (long chunk : new long[] {1, 48, 1 << 20}) {
                writer.sinks.clear();
                run(plan(to(ElementType.F16)), threads, chunk, false, Optional.empty(), ProgressListener.NONE);
                Fakes.MemorySink sink = writer.sinks.get(Path.of("out0.mem"));
                assertThat(sink.committed).isTrue();
                var a = sink.data.get(0).getFirst();
                for (int i = 0; i < 300 * 16; i++) {
                    short expected = Float.floatToFloat16((float) Math.sin(i * 0.37));
                    assertThat(a.getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i))
                            .as("threads %d chunk %d value %d", threads, chunk, i).isEqualTo(expected);
                }
                assertThat(sink.f32(1, 15)).as("norm copied").isEqualTo(16f);
            }
        }
    }

    @Test
    void oneReadFeedsSeveralOutputsWithTheirOwnTypes() throws IOException {
        AtomicLong progressed = new AtomicLong();
        AtomicLong total = new AtomicLong();
        RunResult r = run(plan(to(Encoding.of("half4")), to(ElementType.F16), Quantization.none()), 2, 64, true,
                Optional.empty(), new ProgressListener() {
                    @Override
                    public void start(long totalBytes) {
                        total.set(totalBytes);
                    }

                    @Override
                    public void advance(long bytes) {
                        progressed.addAndGet(bytes);
                    }

                    @Override
                    public void finish() {
                    }
                });
        assertThat(total.get()).isEqualTo((300 * 16 + 16 + 33 * 6) * 4L);
        assertThat(progressed.get()).isEqualTo(total.get());
        Fakes.MemorySink half4 = writer.sinks.get(Path.of("out0.mem"));
        Fakes.MemorySink copy = writer.sinks.get(Path.of("out2.mem"));
        assertThat(half4.plan.tensors().get(2).info().type()).as("6 wide rows fall back").isEqualTo(Encoding.of("half2"));
        assertThat(copy.f32(0, 17)).isEqualTo((float) Math.sin(17 * 0.37));
        assertThat(r.outputs()).hasSize(3);
        ErrorStats aStats = r.outputs().get(0).stats().get(0);
        assertThat(aStats.value(Metric.MAX_ABS)).isGreaterThan(0).isLessThan(1e-3);
        assertThat(aStats.value(Metric.COSINE)).isGreaterThan(0.9999);
        assertThat(r.outputs().get(0).stats().get(1)).as("copied: not measured").isNull();
        assertThat(r.outputs().get(2).stats()).containsOnlyNulls();
    }

    @Test
    void aFailedWriteAbortsEveryOutput() {
        writer.failOnTensor = "b.weight";
        assertThatThrownBy(() -> run(plan(to(ElementType.F16), Quantization.none()), 2, 16, false, Optional.empty(),
                ProgressListener.NONE)).isInstanceOf(IOException.class).hasMessage("disk full (test)");
        assertThat(writer.sinks.values()).allSatisfy(s -> {
            assertThat(s.aborted).isTrue();
            assertThat(s.committed).isFalse();
        });
    }

    @Test
    void aFailingVerifyConditionPublishesNothing() {
        assertThatThrownBy(() -> run(plan(to(Encoding.of("half4"))), 1, 1 << 20, true,
                Optional.of(FailCondition.parse("max_abs > 0")), ProgressListener.NONE))
                .isInstanceOf(VerifyFailedException.class)
                .hasMessageContaining("a.weight")
                .hasMessageContaining("max_abs=");
        assertThat(writer.sinks.get(Path.of("out0.mem")).aborted).isTrue();
        assertThat(writer.sinks.get(Path.of("out0.mem")).committed).isFalse();
    }

    @Test
    void columnPartsAndWholeTensorPartsComeOutAsFromOneEncode() throws IOException {
        for (int threads : new int[] {1, 3}) {
            for (long chunk : new long[] {1, 48, 1 << 20}) {
                writer.sinks.clear();
                RunResult r = run(plan(to(Encoding.of("colq"))), threads, chunk, true, Optional.empty(),
                        ProgressListener.NONE);
                Fakes.MemorySink sink = writer.sinks.get(Path.of("out0.mem"));
                float max = 0;
                for (int i = 0; i < 300 * 16; i++) {
                    max = Math.max(max, Math.abs((float) Math.sin(i * 0.37)));
                }
                var q = sink.data.get(0).get(0);
                var scale = sink.data.get(0).get(1);
                assertThat(scale.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, 0))
                        .as("the prepass saw every row").isEqualTo(max);
                for (int row = 0; row < 300; row++) {
                    for (int col = 0; col < 16; col++) {
                        short expected = Float.floatToFloat16((float) Math.sin((row * 16 + col) * 0.37) / max);
                        assertThat(q.getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, col * 300L + row))
                                .as("threads %d chunk %d row %d col %d", threads, chunk, row, col).isEqualTo(expected);
                    }
                }
                assertThat(r.outputs().get(0).stats().get(0).value(Metric.COSINE)).isGreaterThan(0.9999);
            }
        }
    }

    @Test
    void anExactRepackIsPlannedAsSuchAndCarriesTheStoredValues() throws IOException {
        run(plan(to(Encoding.of("half4"))), 2, 64, false, Optional.empty(), ProgressListener.NONE);
        Fakes.MemorySink encoded = writer.sinks.get(Path.of("out0.mem"));
        var info = encoded.plan.tensors().getFirst().info();
        var stored = dev.requant.spi.StoredTensor.of(info, new dev.requant.spi.TensorPart(
                encoded.plan.tensors().getFirst().parts().getFirst(), encoded.data.getFirst().getFirst()));
        ModelSource half4 = Fakes.source(stored);
        PlannedOutput out = planner.plan(half4, Path.of("f16.mem"), writer, Map.of(), to(ElementType.F16));
        assertThat(out.entries().getFirst().action()).isEqualTo(dev.requant.core.plan.Action.TRANSCODE);
        assertThat(out.entries().getFirst().fidelity().exact()).isTrue();

        RunResult r = run(new Plan(half4, List.of(), List.of(out)), 3, 40, true, Optional.empty(), ProgressListener.NONE);
        var f16 = writer.sinks.get(Path.of("f16.mem")).data.getFirst().getFirst();
        for (int i = 0; i < 300 * 16; i++) {
            assertThat(f16.getAtIndex(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, i))
                    .isEqualTo(Float.floatToFloat16((float) Math.sin(i * 0.37)));
        }
        assertThat(r.outputs().getFirst().stats().getFirst().value(Metric.MAX_ABS)).as("measured against the source")
                .isZero();
    }
}
