package dev.requant.core.recipe;

/**
 * One rule: tensors whose name matches get {@code type} ({@code keep} keeps the source type).
 * {@code match} is a glob over the whole name ({@code *norm*}) or, after {@code re:}, a regular
 * expression found anywhere in it.
 */
public record RuleSpec(Located<String> match, Located<String> type) {
}
