package dev.requant.plugins.safetensors;

import dev.requant.spi.AuxFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
 * The side files of a Hugging Face folder as this writer publishes them. Everything it writes is
 * plain floats, so nothing may still claim a quantization: {@code config.json} loses
 * {@code quantization_config} (and MLX's {@code quantization}), and the quantizers' own side files
 * ({@code quantize_config.json} of AutoGPTQ, {@code qconfig.json} of neural-compressor) are left out.
 * Loaders read those and would try to dequantize the plain weights.
 */
final class HfFolderFiles {
    static final String CONFIG = "config.json";
    private static final Set<String> QUANTIZER_FILES = Set.of("quantize_config.json", "qconfig.json");
    private static final Set<String> QUANTIZATION_KEYS = Set.of("quantization_config", "quantization");
    private static final JsonFactory JSON = new JsonFactory();

    private HfFolderFiles() {
    }

    static List<AuxFile> unquantized(Collection<AuxFile> files) throws IOException {
        List<AuxFile> out = new ArrayList<>();
        for (AuxFile f : files) {
            if (QUANTIZER_FILES.contains(f.name())) {
                continue;
            }
            out.add(f.name().equals(CONFIG) ? withoutQuantization(f) : f);
        }
        return out;
    }

    /** config.json without its top-level quantization keys; untouched when it has none or is not JSON. */
    private static AuxFile withoutQuantization(AuxFile config) throws IOException {
        byte[] in = config.bytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        boolean dropped = false;
        try (JsonParser p = JSON.createParser(ObjectReadContext.empty(), in);
             JsonGenerator g = JSON.createGenerator(new Pretty(), out)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return config;
            }
            g.writeStartObject();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String key = p.currentName();
                p.nextToken();
                if (QUANTIZATION_KEYS.contains(key)) {
                    p.skipChildren();
                    dropped = true;
                    continue;
                }
                g.writeName(key);
                copyValue(p, g);
            }
            g.writeEndObject();
        } catch (tools.jackson.core.JacksonException e) {
            return config;
        }
        if (!dropped) {
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
