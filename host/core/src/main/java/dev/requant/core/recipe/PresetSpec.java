package dev.requant.core.recipe;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * A preset file of {@code config/presets/}: a named set of quantization rules a recipe refers to
 * with {@code preset: NAME}. {@code name} is what the output is known by ({@code Q4_K_M}).
 */
public record PresetSpec(Located<String> name,
                         Located<String> description,
                         @JsonProperty("default") Located<String> defaultType,
                         List<Located<RuleSpec>> rules,
                         Located<List<Located<String>>> fallback) {
}
