package dev.requant.plugins.safetensors;

import dev.requant.spi.AuxFile;
import dev.requant.spi.CheckpointConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.ObjectWriteContext;
import tools.jackson.core.PrettyPrinter;
import tools.jackson.core.json.JsonFactory;
import tools.jackson.core.util.DefaultIndenter;
import tools.jackson.core.util.DefaultPrettyPrinter;
import tools.jackson.core.util.Separators;

/**
 * The side files of a Hugging Face folder as this writer publishes them. Whatever quantization the
 * source folder described is gone: {@code config.json} loses {@code quantization_config} (and MLX's
 * {@code quantization}), and the quantizers' own side files ({@code quantize_config.json} of
 * AutoGPTQ, {@code qconfig.json} of neural-compressor) are left out; loaders read those and would
 * dequantize plain weights. An output in a checkpoint layout then gets its own: the entries its
 * scheme adds to {@code config.json} (a {@code config.json} of those alone when the source had
 * none) and its scheme's side files.
 */
final class HfFolderFiles {
    static final String CONFIG = "config.json";
    private static final Set<String> QUANTIZER_FILES = Set.of("quantize_config.json", "qconfig.json");
    private static final Set<String> QUANTIZATION_KEYS = Set.of("quantization_config", "quantization");
    private static final JsonFactory JSON = new JsonFactory();

    private HfFolderFiles() {
    }

    static List<AuxFile> of(Collection<AuxFile> files, Optional<CheckpointConfig> checkpoint) throws IOException {
        Map<String, String> entries = checkpoint.map(CheckpointConfig::configEntries).orElse(Map.of());
        Set<String> replaced = new HashSet<>(QUANTIZER_FILES);
        checkpoint.ifPresent(c -> c.sideFiles().forEach(f -> replaced.add(f.name())));
        List<AuxFile> out = new ArrayList<>();
        boolean hasConfig = false;
        for (AuxFile f : files) {
            if (replaced.contains(f.name())) {
                continue;
            }
            hasConfig |= f.name().equals(CONFIG);
            out.add(f.name().equals(CONFIG) ? withQuantization(f, entries) : f);
        }
        if (!hasConfig && !entries.isEmpty()) {
            out.add(withQuantization(AuxFile.of(CONFIG, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8)),
                    entries));
        }
        checkpoint.ifPresent(c -> out.addAll(c.sideFiles()));
        return out;
    }

    /**
     * config.json without its top-level quantization keys, then with {@code entries} (JSON values
     * by key) at its end; untouched when there is nothing to change or it is not JSON.
     */
    private static AuxFile withQuantization(AuxFile config, Map<String, String> entries) throws IOException {
        byte[] in = config.bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        boolean changed = !entries.isEmpty();
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), in);
             JsonGenerator g = JSON.createGenerator(new Pretty(), out)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return config;
            }
            g.writeStartObject();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String key = p.currentName();
                p.nextToken();
                if (QUANTIZATION_KEYS.contains(key) || entries.containsKey(key)) {
                    p.skipChildren();
                    changed = true;
                    continue;
                }
                g.writeName(key);
                copyValue(p, g);
            }
            for (String key : new java.util.TreeSet<>(entries.keySet())) {
                g.writeName(key);
                try (JsonParser value = JSON.createParser(ObjectReadContext.empty(), entries.get(key))) {
                    value.nextToken();
                    copyValue(value, g);
                }
            }
            g.writeEndObject();
        } catch (tools.jackson.core.JacksonException e) {
            if (!entries.isEmpty()) {
                throw new IllegalArgumentException(CONFIG + " cannot take the quantization entries " + entries.keySet()
                        + ": " + e.getOriginalMessage());
            }
            return config;
        }
        if (!changed) {
            return config;
        }
        out.write('\n');
        return AuxFile.of(CONFIG, out.toByteArray());
    }

    /** Copies the value at the parser's token; numbers keep their text ({@code 1e-06} stays so). */
    private static void copyValue(JsonParser p, JsonGenerator g) {
        switch (p.currentToken()) {
            case START_OBJECT -> {
                g.writeStartObject();
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    g.writeName(p.currentName());
                    p.nextToken();
                    copyValue(p, g);
                }
                g.writeEndObject();
            }
            case START_ARRAY -> {
                g.writeStartArray();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    copyValue(p, g);
                }
                g.writeEndArray();
            }
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> g.writeNumber(p.getString());
            default -> g.copyCurrentEvent(p);
        }
    }

    /** Two-space indentation, one value per line, as transformers writes config.json. */
    private static final class Pretty extends ObjectWriteContext.Base {
        @Override
        public PrettyPrinter getPrettyPrinter() {
            DefaultIndenter indent = new DefaultIndenter("  ", "\n");
            Separators python = Separators.createDefaultInstance()
                    .withObjectNameValueSpacing(Separators.Spacing.AFTER).withObjectEmptySeparator("")
                    .withArrayEmptySeparator("");
            return new DefaultPrettyPrinter(python).withObjectIndenter(indent).withArrayIndenter(indent);
        }

        @Override
        public boolean hasPrettyPrinter() {
            return true;
        }
    }
}
