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
import dev.requant.spi.TensorType;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class PlannerTest {
    private static final Location AT = new Location("r.yaml", 3, 5);
    private final Codecs codecs = new Codecs(Registry.of(List.of(new Fakes.Half4(), new Fakes.Half2())));
    private final Planner planner = new Planner(codecs, List.of(ElementType.F16));
    private final Fakes.MemoryWriter anyType = new Fakes.MemoryWriter();

    private final ModelSource model = Fakes.source(
            Fakes.f32("embed.weight", i -> i, 8, 8),
            Fakes.f32("layers.0.attn_norm.weight", i -> 1, 8),
            Fakes.f32("layers.0.up.weight", i -> i * 0.5, 4, 8),
            Fakes.f32("layers.0.down.weight", i -> -i, 8, 6),
            Fakes.f32("layers.0.odd.weight", i -> i, 8, 3),
            Fakes.f32("layers.0.bias", i -> i, 4, 8));

    private static Quantization quantization(List<Rule> rules, TensorType def, List<TensorType> fallback) {
        return new Quantization(rules, Optional.ofNullable(def), Optional.of(AT), Optional.empty(), Optional.ofNullable(fallback),
                Optional.of("HALF4"));
    }

    private PlannedOutput plan(Quantization q) {
        return planner.plan(model, Path.of("out.mem"), anyType, Map.of(), q);
    }

    private static PlanEntry entry(PlannedOutput o, String name) {
        return o.entries().stream().filter(e -> e.target().name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void defaultQuantizesOnlyWeightMatrices() {
        PlannedOutput o = plan(quantization(List.of(), Encoding.of("half4"), null));
        assertThat(entry(o, "embed.weight").target().type()).isEqualTo(Encoding.of("half4"));
        assertThat(entry(o, "embed.weight").why()).isEqualTo("default (r.yaml:3:5)");
        assertThat(entry(o, "layers.0.up.weight").action()).isEqualTo(Action.CONVERT);
        assertThat(entry(o, "layers.0.attn_norm.weight").target().type()).isEqualTo(ElementType.F32);
        assertThat(entry(o, "layers.0.attn_norm.weight").action()).isEqualTo(Action.COPY);
        assertThat(entry(o, "layers.0.attn_norm.weight").why()).isEqualTo("kept (1-d)");
        assertThat(entry(o, "layers.0.bias").action()).isEqualTo(Action.COPY);
        assertThat(entry(o, "layers.0.bias").why()).isEqualTo("kept (not a weight matrix)");
        assertThat(o.quantization()).contains("HALF4");
    }

    @Test
    void firstMatchingRuleWinsAndCanKeepOrQuantizeAnything() {
        List<Rule> rules = List.of(
                new Rule(NameMatcher.of("*norm*"), Optional.empty(), Optional.of(Encoding.of("half2")), new Location("r.yaml", 7, 7)),
                new Rule(NameMatcher.of("re:up"), Optional.empty(), Optional.empty(), new Location("r.yaml", 8, 7)),
                new Rule(NameMatcher.of("*.weight"), Optional.empty(), Optional.of(ElementType.F16), new Location("r.yaml", 9, 7)));
        PlannedOutput o = plan(quantization(rules, Encoding.of("half4"), null));
        assertThat(entry(o, "layers.0.attn_norm.weight").target().type()).isEqualTo(Encoding.of("half2"));
        assertThat(entry(o, "layers.0.attn_norm.weight").why()).isEqualTo("rule '*norm*' (r.yaml:7:7)");
        assertThat(entry(o, "layers.0.up.weight").action()).isEqualTo(Action.COPY);
        assertThat(entry(o, "embed.weight").target().type()).isEqualTo(ElementType.F16);
        assertThat(entry(o, "layers.0.bias").target().type()).as("no rule, not a weight").isEqualTo(ElementType.F32);
        assertThat(o.notes()).isEmpty();
    }

    @Test
    void rulesOfWhichNoneNamesATensorAreNoted() {
        List<Rule> ggufNames = List.of(
                new Rule(NameMatcher.of("output.weight"), Optional.empty(), Optional.of(ElementType.F16), new Location("p.yaml", 5, 5)),
                new Rule(NameMatcher.of("re:attn_v"), Optional.empty(), Optional.of(ElementType.F16), new Location("p.yaml", 6, 5)));
        PlannedOutput o = plan(quantization(ggufNames, Encoding.of("half4"), null));
        assertThat(o.notes()).containsExactly("none of the 2 rules of HALF4 names a tensor of this input (the first is"
                + " rule 'output.weight' (p.yaml:5:5); the tensors are named like 'embed.weight'), so every quantized"
                + " tensor gets the default half4 (r.yaml:3:5)");
        List<Rule> oneMatches = List.of(ggufNames.getFirst(),
                new Rule(NameMatcher.of("embed.weight"), Optional.empty(), Optional.empty(), new Location("p.yaml", 7, 5)));
        assertThat(plan(quantization(oneMatches, Encoding.of("half4"), null)).notes()).isEmpty();
    }

    @Test
    void shapesThatDoNotFitFollowTheSchemesFallbackThenTheDefaultChain() {
        PlannedOutput o = plan(quantization(List.of(), Encoding.of("half4"), null));
        PlanEntry down = entry(o, "layers.0.down.weight");
        assertThat(down.target().type()).as("6 is not a multiple of 4 but of 2").isEqualTo(Encoding.of("half2"));
        assertThat(down.refused()).extracting(s -> s.refused().id()).containsExactly("half4");
        assertThat(down.refused().getFirst().reason()).isEqualTo("row length 6 is not a multiple of 4");
        PlanEntry odd = entry(o, "layers.0.odd.weight");
        assertThat(odd.target().type()).isEqualTo(ElementType.F16);
        assertThat(odd.refused()).extracting(s -> s.refused().id()).containsExactly("half4", "half2");
        assertThat(o.fallbacks()).isEqualTo(2);
    }

    @Test
    void anExplicitChainReplacesTheDefault() {
        PlannedOutput o = plan(quantization(List.of(), Encoding.of("half4"), List.of(ElementType.BF16)));
        assertThat(entry(o, "layers.0.down.weight").target().type()).isEqualTo(ElementType.BF16);
    }

    @Test
    void anEmptyChainRefusesAndListsEveryTensorThatDoesNotFit() {
        assertThatThrownBy(() -> plan(quantization(List.of(), Encoding.of("half4"), List.of())))
                .isInstanceOfSatisfying(PlanException.class, e -> {
                    assertThat(e.problems()).hasSize(2);
                    assertThat(e.problems().get(0)).isEqualTo("layers.0.down.weight [8, 6] f32 -> half4 (default (r.yaml:3:5)):"
                            + " half4: row length 6 is not a multiple of 4; the recipe's fallback is empty");
                    assertThat(e.problems().get(1)).startsWith("layers.0.odd.weight [8, 3] f32 -> half4");
                    assertThat(e.exitCode()).isEqualTo(2);
                })
                .hasMessageContaining("2 of 6 tensors cannot be written as asked");
    }

    @Test
    void typesTheWriterCannotStoreFallBackToo() {
        Fakes.MemoryWriter f32Only = new Fakes.MemoryWriter(ElementType.F32, ElementType.F16);
        PlannedOutput o = planner.plan(model, Path.of("x.mem"), f32Only, Map.of(),
                quantization(List.of(), Encoding.of("half4"), null));
        PlanEntry up = entry(o, "layers.0.up.weight");
        assertThat(up.target().type()).isEqualTo(ElementType.F16);
        assertThat(up.refused()).extracting(s -> s.reason()).containsExactly("memory cannot store it", "memory cannot store it");
    }

    @Test
    void keptTypesTheWriterCannotStoreAreReported() {
        Fakes.MemoryWriter f16Only = new Fakes.MemoryWriter(ElementType.F16);
        assertThatThrownBy(() -> planner.plan(model, Path.of("x.mem"), f16Only, Map.of(), Quantization.none()))
                .isInstanceOfSatisfying(PlanException.class, e -> assertThat(e.problems()).hasSize(6)
                        .first().isEqualTo("embed.weight [8, 8] f32 (kept (no default type)): memory cannot store f32"));
    }

    @Test
    void aCheckpointLayoutNamesThePartsDescribesTheOutputAndLeavesEmbeddingsAlone() {
        Codecs withLayout = new Codecs(Registry.of(List.of(new Fakes.ColQ())));
        Fakes.MemoryWriter folder = new Fakes.MemoryWriter(ElementType.F32);
        folder.storesCheckpoints = true;
        ModelSource hf = Fakes.source(Fakes.f32("model.embed_tokens.weight", i -> i, 8, 8),
                Fakes.f32("model.layers.0.mlp.up_proj.weight", i -> i, 4, 8));
        PlannedOutput o = new Planner(withLayout, List.of(ElementType.F16)).plan(hf, Path.of("out"), folder, Map.of(),
                quantization(List.of(), Encoding.of("colq"), null));
        assertThat(entry(o, "model.embed_tokens.weight").action()).isEqualTo(Action.COPY);
        assertThat(entry(o, "model.embed_tokens.weight").why()).contains("an embedding").contains("Linear layers only");
        assertThat(entry(o, "model.layers.0.mlp.up_proj.weight").partNames())
                .containsExactly("model.layers.0.mlp.up_proj.q", "model.layers.0.mlp.up_proj.scale");
        assertThat(o.checkpoint()).isPresent();
        assertThat(o.checkpoint().get().configEntries()).containsEntry("quantization_config", "{\"tensors\": 1}");
        assertThat(o.toOutputPlan().checkpoint()).isEqualTo(o.checkpoint());

        Fakes.MemoryWriter plain = new Fakes.MemoryWriter(ElementType.F32, ElementType.F16);
        PlannedOutput refused = new Planner(withLayout, List.of(ElementType.F16)).plan(hf, Path.of("out"), plain,
                Map.of(), quantization(List.of(), Encoding.of("colq"), null));
        assertThat(entry(refused, "model.layers.0.mlp.up_proj.weight").target().type())
                .as("a writer that does not store checkpoint layouts falls back").isEqualTo(ElementType.F16);
        assertThat(refused.checkpoint()).isEmpty();
    }

    @Test
    void aFallbackToTheStoredTypeCopiesTheBytes() {
        PlannedOutput o = plan(quantization(List.of(), Encoding.of("half4"), List.of(ElementType.F32)));
        PlanEntry odd = entry(o, "layers.0.odd.weight");
        assertThat(odd.action()).isEqualTo(Action.COPY);
        assertThat(odd.fellBack()).isTrue();
        assertThat(odd.fidelity().exact()).isTrue();
    }
}
