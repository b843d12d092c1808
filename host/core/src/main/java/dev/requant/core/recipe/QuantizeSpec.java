package dev.requant.core.recipe;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Which type each tensor gets: the first matching rule, else {@code default} for the tensors a
 * converter quantizes (2-D weights), else the tensor keeps its type. {@code preset} adds the rules
 * of a file in {@code config/presets/} after these. {@code fallback} is the chain tried when a type
 * does not fit a shape; an empty list means: refuse instead.
 *
 * <p>Instead of {@code default} (and a preset), a size: {@code target_bpw} (bits per weight over
 * the whole output) or {@code target_size} ({@code 4.2GB}, {@code 3500MiB}); the weight matrices no
 * rule decides then get types from {@code types} chosen by measured error.
 */
public record QuantizeSpec(Located<String> preset,
                           @JsonProperty("default") Located<String> defaultType,
                           List<Located<RuleSpec>> rules,
                           Located<List<Located<String>>> fallback,
                           Located<Double> targetBpw,
                           Located<String> targetSize,
                           Located<List<Located<String>>> types) {

    /** Only rules, a default or a preset: the common case. */
    public QuantizeSpec(Located<String> preset, Located<String> defaultType, List<Located<RuleSpec>> rules,
                        Located<List<Located<String>>> fallback) {
        this(preset, defaultType, rules, fallback, null, null, null);
    }
}
