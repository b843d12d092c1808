package dev.requant.core.recipe;

/**
 * A generated llama-shaped model with deterministic pseudo-random weights, so that a recipe can
 * run without any file. Absent values take the sample model's defaults.
 */
public record SampleSpec(Integer layers, Integer hidden, Integer intermediate, Integer heads, Integer kvHeads,
                         Integer vocab, Located<String> type, Long seed) {
}
