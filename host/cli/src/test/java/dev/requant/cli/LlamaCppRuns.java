package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** What the llama.cpp integration tests read from generate.mjs's results. */
final class LlamaCppRuns {
    private LlamaCppRuns() {
    }

    /** The run labelled so; fails with llama.cpp's own message if it refused the file. */
    static JsonNode generated(Map<String, JsonNode> results, String label) {
        JsonNode r = results.get(label);
        assertThat(r.has("error")).as("llama.cpp refused the %s file: %s", label, r.path("error").asString()).isFalse();
        return r;
    }

    /** Token ids of a JSON array. */
    static List<Integer> ids(JsonNode array) {
        return array.values().stream().map(JsonNode::asInt).toList();
    }

    /** The tokens a run generated. */
    static List<Integer> tokens(JsonNode r) {
        return ids(r.path("tokens"));
    }

    /** How many tokens two runs share from the start. */
    static int leadingAgreement(List<Integer> a, List<Integer> b) {
        int n = 0;
        while (n < a.size() && n < b.size() && a.get(n).equals(b.get(n))) {
            n++;
        }
        return n;
    }
}
