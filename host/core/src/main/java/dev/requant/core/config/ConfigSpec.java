package dev.requant.core.config;

import dev.requant.core.recipe.Located;
import java.util.List;

/** {@code config/requant.yaml} as written. */
public record ConfigSpec(List<Located<String>> plugins, Integer threads, Long chunkValues,
                         List<Located<String>> fallback) {
}
