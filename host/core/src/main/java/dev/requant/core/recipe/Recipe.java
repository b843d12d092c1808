package dev.requant.core.recipe;

import java.util.List;

/**
 * A conversion recipe as written: one input, optional transforms, quantization rules, one or more
 * outputs, optional verification. Every value keeps its place in the file for error messages.
 *
 * @param quantize applies to every output that has no {@code quantize} of its own
 */
public record Recipe(Located<InputSpec> input,
                     List<Located<String>> transforms,
                     Located<QuantizeSpec> quantize,
                     Located<List<Located<OutputSpec>>> outputs,
                     Located<VerifySpec> verify) {
}
