package dev.requant.core.job;

import dev.requant.core.plan.Quantization;
import dev.requant.spi.FormatWriter;
import java.nio.file.Path;
import java.util.Map;

/** A checked recipe output: path, writer, options the writer knows, and its quantization. */
public record OutputJob(Path path, FormatWriter writer, Map<String, String> options, Quantization quantization) {
}
