package dev.requant.core.recipe;

import java.util.Map;

/**
 * One output: its path, its format (by default the writer that accepts the path's name), writer
 * options, and optionally its own quantization instead of the recipe's.
 */
public record OutputSpec(Located<String> path, Located<String> format, Map<String, Located<String>> options,
                         Located<QuantizeSpec> quantize) {
}
