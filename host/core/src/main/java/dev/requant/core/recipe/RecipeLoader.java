package dev.requant.core.recipe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads recipes and presets: safe YAML (data only, no tags that build objects), unknown keys and
 * duplicate keys are errors, every error names the file, line and column.
 */
public final class RecipeLoader {
    private final YAMLMapper mapper;

    public RecipeLoader() {
        SimpleModule located = new SimpleModule("requant-located");
        located.addDeserializer(Located.class, new LocatedDeserializer());
        mapper = YAMLMapper.builder()
                .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .addModule(located)
                .addHandler(new UnknownKeyHandler())
                .build();
    }

    /** Reads a recipe file, substituting {@code ${variables}}. */
    public Recipe load(Path file, Map<String, String> variables) {
        return read(file, Recipe.class, variables);
    }

    /** Reads a preset file (no variables). */
    public PresetSpec loadPreset(Path file) {
        return read(file, PresetSpec.class, Map.of());
    }

    /** Reads any YAML file of requant (recipe, preset, host config) into {@code type}. */
    public <T> T read(Path file, Class<T> type, Map<String, String> variables) {
        String source = file.toString();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new RecipeException(new Location(source, 0, 0), "no such file");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ObjectReader reader = mapper.readerFor(type)
                .withAttribute(LocatedDeserializer.SOURCE, source)
                .withAttribute(LocatedDeserializer.VARIABLES, Map.copyOf(variables));
        try (KeyPositions parser = new KeyPositions(reader.createParser(text))) {
            T value = reader.withAttribute(UnknownKeyHandler.KEYS, parser).readValue(parser);
            if (value == null) {
                throw new RecipeException(new Location(source, 1, 1), "the file is empty");
            }
            return value;
        } catch (JacksonException e) {
            throw translate(source, text, e);
        }
    }

    private static RecipeException translate(String source, String text, JacksonException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RecipeException r) {
                return r;
            }
        }
        TokenStreamLocation loc = e.getLocation();
        if (loc == null && e.processor() instanceof JsonParser p) {
            loc = p.currentTokenLocation();
        }
        Location at = loc == null ? new Location(source, 0, 0) : new Location(source, loc.getLineNr(), loc.getColumnNr());
        if (e.getOriginalMessage().startsWith("No content to map")) {
            return new RecipeException(new Location(source, 1, 1), "the file is empty");
        }
        String message = e.getOriginalMessage();
        int newline = message.indexOf('\n');
        String line = at.line() > 0 ? text.lines().skip(at.line() - 1).findFirst().orElse("") : "";
        String hint = line.matches(".*[^\"'$]\\$\\{.*") && (line.contains("{ ") || line.contains("["))
                ? " (inside { } or [ ], quote values that hold ${...}: \"${name}\")" : "";
        return new RecipeException(at, (newline < 0 ? message : message.substring(0, newline)) + hint);
    }
}
