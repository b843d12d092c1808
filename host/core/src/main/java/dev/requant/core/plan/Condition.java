package dev.requant.core.plan;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.commons.jexl3.JexlBuilder;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlFeatures;
import org.apache.commons.jexl3.JexlScript;
import org.apache.commons.jexl3.MapContext;
import org.apache.commons.jexl3.introspection.JexlPermissions;

/**
 * The {@code when:} of a rule: a condition over a tensor and its model, such as
 * {@code i < n/8 or i >= 7*n/8} (the first and last eighth of the layers) or {@code gqa >= 4}.
 * Arithmetic, comparisons and {@code and}/{@code or}/{@code not} on the variables of
 * {@link TensorFacts}; nothing else: no method calls, no assignments, no loops, no objects (a
 * recipe stays data). Integer division truncates, as in C.
 */
public final class Condition {
    private static final JexlFeatures ARITHMETIC_ONLY = new JexlFeatures()
            .methodCall(false).newInstance(false).loops(false).lambda(false).sideEffect(false)
            .sideEffectGlobal(false).annotation(false).pragma(false).importPragma(false).namespacePragma(false)
            .structuredLiteral(false).localVar(false).register(false).script(false).arrayReferenceExpr(false);
    private static final JexlEngine JEXL = new JexlBuilder().permissions(JexlPermissions.NONE)
            .features(ARITHMETIC_ONLY).strict(true).safe(false).silent(false).cache(256).create();

    private final String text;
    private final JexlScript script;

    private Condition(String text, JexlScript script) {
        this.text = text;
        this.script = script;
    }

    /** @throws IllegalArgumentException for a malformed condition or an unknown variable */
    public static Condition parse(String text) {
        JexlScript script;
        try {
            script = JEXL.createScript(text);
        } catch (JexlException e) {
            throw new IllegalArgumentException("condition '" + text + "' does not parse: " + e.getMessage()
                    .replaceAll("^[^ ]* ", ""));
        }
        Set<String> unknown = new TreeSet<>();
        for (List<String> v : script.getVariables()) {
            if (!TensorFacts.VARIABLES.contains(String.join(".", v))) {
                unknown.add(String.join(".", v));
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("condition '" + text + "' uses unknown " + String.join(", ", unknown)
                    + " (variables: " + String.join(", ", TensorFacts.VARIABLES) + ")");
        }
        return new Condition(text, script);
    }

    /** @throws IllegalArgumentException when the condition is not true or false for these facts */
    public boolean holds(Map<String, Object> facts) {
        Object value;
        try {
            value = script.execute(new MapContext(new java.util.HashMap<>(facts)));
        } catch (JexlException e) {
            throw new IllegalArgumentException("condition '" + text + "' fails: " + e.getMessage().replaceAll("^[^ ]* ", ""));
        }
        if (value instanceof Boolean b) {
            return b;
        }
        throw new IllegalArgumentException("condition '" + text + "' gives " + value + ", not true or false");
    }

    @Override
    public String toString() {
        return text;
    }
}
