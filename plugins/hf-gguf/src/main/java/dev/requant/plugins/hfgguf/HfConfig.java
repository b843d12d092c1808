package dev.requant.plugins.hfgguf;

import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.Metadata;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import tools.jackson.databind.JsonNode;

/** A Hugging Face {@code config.json}: typed reads whose errors name the key. */
final class HfConfig {
    static final String FILE = "config.json";
    private static final Path PATH = Path.of(FILE);

    private final JsonNode root;

    private HfConfig(JsonNode root) {
        this.root = root;
    }

    static Optional<HfConfig> of(Metadata metadata) throws IOException {
        Optional<AuxFile> file = metadata.file(FILE);
        return file.isEmpty() ? Optional.empty() : Optional.of(new HfConfig(Json.read(file.get())));
    }

    /** The first class of {@code architectures}. */
    Optional<String> architecture() {
        JsonNode a = root.path("architectures");
        return a.isArray() && !a.isEmpty() && a.get(0).isString() ? Optional.of(a.get(0).asString()) : Optional.empty();
    }

    JsonNode root() {
        return root;
    }

    JsonNode node(String key) {
        return root.path(key);
    }

    boolean has(String key) {
        return !root.path(key).isMissingNode() && !root.path(key).isNull();
    }

    OptionalLong integer(String key) throws BadInputException {
        JsonNode v = root.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return OptionalLong.empty();
        }
        if (!v.isIntegralNumber() || v.asLong() < 0) {
            throw problem(key + " is " + v + ", not a non-negative integer");
        }
        return OptionalLong.of(v.asLong());
    }

    long requireInteger(String key) throws BadInputException {
        return integer(key).orElseThrow(() -> problem("has no " + key));
    }

    OptionalDouble real(String key) throws BadInputException {
        JsonNode v = root.path(key);
        if (v.isMissingNode() || v.isNull()) {
            return OptionalDouble.empty();
        }
        if (!v.isNumber()) {
            throw problem(key + " is " + v + ", not a number");
        }
        return OptionalDouble.of(v.asDouble());
    }

    double requireReal(String key) throws BadInputException {
        return real(key).orElseThrow(() -> problem("has no " + key));
    }

    Optional<String> string(String key) {
        JsonNode v = root.path(key);
        return v.isString() ? Optional.of(v.asString()) : Optional.empty();
    }

    boolean bool(String key, boolean fallback) {
        JsonNode v = root.path(key);
        return v.isBoolean() ? v.asBoolean() : fallback;
    }

    static BadInputException problem(String what) {
        return BadInputException.of(PATH, what);
    }
}
