package dev.requant.plugins.hfgguf;

import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import java.io.IOException;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectWriter;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/** Reading the JSON side files of a Hugging Face folder, and writing them as transformers does. */
final class Json {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final ObjectWriter PRETTY;

    static {
        DefaultIndenter indent = new DefaultIndenter("  ", "\n");
        Separators python = Separators.createDefaultInstance()
                .withObjectNameValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("")
                .withArrayEmptySeparator("");
        PRETTY = MAPPER.writer().with(new DefaultPrettyPrinter(python).withObjectIndenter(indent).withArrayIndenter(indent));
    }

    private Json() {
    }

    /** The file's top-level object. */
    static JsonNode read(AuxFile file) throws IOException {
        JsonNode node;
        try {
            node = MAPPER.readTree(file.bytes());
        } catch (JacksonException e) {
            throw BadInputException.of(Path.of(file.name()), "is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw BadInputException.of(Path.of(file.name()), "is not a JSON object");
        }
        return node;
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** Two-space indentation and a final newline, as transformers' {@code save_pretrained} writes. */
    static byte[] pretty(JsonNode node) {
        byte[] text = PRETTY.writeValueAsBytes(node);
        byte[] out = java.util.Arrays.copyOf(text, text.length + 1);
        out[text.length] = '\n';
        return out;
    }
}
