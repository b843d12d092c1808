package dev.requant.core.recipe;

/**
 * Where the model comes from: a file or folder read by a reader ({@code format: auto} detects
 * which), or a generated sample model.
 */
public record InputSpec(Located<String> path, Located<String> format, Located<SampleSpec> sample) {
}
