package dev.requant.cli;

import java.io.PrintStream;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** JSON output of the {@code --json} options. */
final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    private Json() {
    }

    static void print(Object value, PrintStream out) {
        out.println(text(value));
    }

    static String text(Object value) {
        return MAPPER.writeValueAsString(value);
    }
}
