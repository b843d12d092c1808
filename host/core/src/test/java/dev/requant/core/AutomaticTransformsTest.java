package dev.requant.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.core.config.HostConfig;
import dev.requant.core.plan.AppliedTransform;
import dev.requant.core.plugin.Registry;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorTransform;
import dev.requant.spi.TensorType;
import dev.requant.spi.TransformContext;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Transforms the host applies by itself when a recipe names none, only for every output, and never silently two. */
class AutomaticTransformsTest {
    @TempDir
    Path dir;

    /** A writer known by id, choosing outputs by file extension. */
    private record Writer(String id) implements FormatWriter {
        @Override
        public String description() {
            return id;
        }

        @Override
        public boolean accepts(Path path) {
            return path.toString().endsWith("." + id);
        }

        @Override
        public boolean canStore(TensorType type) {
            return true;
        }

        @Override
        public ModelSink create(Path path, OutputPlan plan, Map<String, String> options) {
            throw new UnsupportedOperationException();
        }
    }

    /** Prefixes every tensor name; applies by itself to outputs of one writer. */
    private record Prefix(String id, String forWriter) implements TensorTransform {
        @Override
        public String description() {
            return "names prefixed for " + forWriter;
        }

        @Override
        public boolean appliesTo(ModelSource source, FormatWriter writer) {
            return writer.id().equals(forWriter);
        }

        @Override
        public ModelSource apply(ModelSource source, TransformContext context) {
            List<SourceTensor> renamed = source.tensors().stream()
                    .map(t -> (SourceTensor) Fakes.f32(id + "." + t.name(), i -> 0, 1)).toList();
            return new ModelSource() {
                @Override
                public String format() {
                    return source.format() + "+" + id;
                }

                @Override
                public Metadata metadata() {
                    return source.metadata();
                }

                @Override
                public List<SourceTensor> tensors() {
                    return renamed;
                }

                @Override
                public void close() throws IOException {
                    source.close();
                }
            };
        }
    }

    /** A transform that never applies by itself, as every transform did before appliesTo existed. */
    private record Plain(String id) implements TensorTransform {
        @Override
        public String description() {
            return id;
        }

        @Override
        public ModelSource apply(ModelSource source, TransformContext context) {
            return source;
        }
    }

    private Session session(Object... extensions) {
        List<Object> all = new java.util.ArrayList<>(List.of(new Writer("a"), new Writer("b")));
        all.addAll(List.of(extensions));
        return new Session(Registry.of(all), HostConfig.defaults(dir));
    }

    private OpenedInput open(Session session, String transforms, String... outputs) throws IOException {
        StringBuilder yaml = new StringBuilder("input: { sample: { layers: 1, hidden: 8, intermediate: 8, heads: 2,"
                + " kv_heads: 1, vocab: 4 } }\n").append(transforms).append("outputs:\n");
        for (String o : outputs) {
            yaml.append("  - { path: \"").append(dir.resolve(o)).append("\" }\n");
        }
        Path recipe = Files.writeString(dir.resolve("r.yaml"), yaml);
        return session.open(session.compile(recipe, Map.of()));
    }

    @Test
    void aTransformThatAppliesToEveryOutputIsAppliedAndMarkedAutomatic() throws IOException {
        Prefix p = new Prefix("hf", "a");
        try (OpenedInput in = open(session(p, new Plain("other")), "", "x.a", "y.a")) {
            assertThat(in.transforms()).containsExactly(new AppliedTransform(p, true));
            assertThat(in.source().format()).isEqualTo("sample+hf");
            assertThat(in.source().tensors().getFirst().name()).startsWith("hf.model.");
        }
    }

    @Test
    void noneIsAppliedWhenOneOutputDoesNotWantItOrTheRecipeSaysTransformsEmpty() throws IOException {
        Prefix p = new Prefix("hf", "a");
        try (OpenedInput in = open(session(p), "", "x.a", "y.b")) {
            assertThat(in.transforms()).isEmpty();
            assertThat(in.source().format()).isEqualTo("sample");
        }
        try (OpenedInput in = open(session(p), "transforms: []\n", "x.a")) {
            assertThat(in.transforms()).isEmpty();
        }
    }

    @Test
    void aNamedTransformIsAppliedAloneAndNotMarkedAutomatic() throws IOException {
        Prefix p = new Prefix("hf", "a");
        Plain named = new Plain("other");
        try (OpenedInput in = open(session(p, named), "transforms: [ other ]\n", "x.a")) {
            assertThat(in.transforms()).containsExactly(new AppliedTransform(named, false));
        }
    }

    @Test
    void twoTransformsApplyingByThemselvesIsAnErrorNamingBoth() {
        assertThatThrownBy(() -> open(session(new Prefix("one", "a"), new Prefix("two", "a")), "", "x.a"))
                .isInstanceOf(RequantException.class)
                .hasMessage("the transforms one and two both apply to this input; name the one to use in the recipe's"
                        + " 'transforms' (an empty list applies none)")
                .satisfies(e -> assertThat(((RequantException) e).exitCode()).isEqualTo(RequantException.USAGE));
    }
}
