package dev.requant.core.recipe;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * Which type each tensor gets: the first matching rule, else {@code default} for the tensors a
 * converter quantizes (2-D weights), else the tensor keeps its type. {@code preset} adds the rules
 * of a file in {@code config/presets/} after these. {@code fallback} is the chain tried when a type
 * does not fit a shape; an empty list means: refuse instead.
 */
public record QuantizeSpec(Located<String> preset,
                           @JsonProperty("default") Located<String> defaultType,
                           List<Located<RuleSpec>> rules,
                           Located<List<Located<String>>> fallback) {
}
