package dev.requant.core.recipe;

/**
 * One rule: tensors whose name matches, and for which {@code when} holds if given, get
 * {@code type} ({@code keep} keeps the source type). {@code match} is a glob over the whole name
 * ({@code *norm*}) or, after {@code re:}, a regular expression found anywhere in it; {@code when}
 * is a condition over the tensor and its model (see {@code Condition}), e.g. {@code i < n/8}.
 */
public record RuleSpec(Located<String> match, Located<String> when, Located<String> type) {
}
