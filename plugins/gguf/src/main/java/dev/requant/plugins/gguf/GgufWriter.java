package dev.requant.plugins.gguf;

import dev.requant.spi.FormatWriter;
import dev.requant.spi.ModelSink;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.pf4j.Extension;

/**
 * Writes GGUF version 3 files byte for byte as ggml's writer lays them out (see {@link HeaderBytes}
 * and {@link GgufLayout}), optionally split into shards as gguf-split does.
 *
 * <p>Stores F32, F16, BF16, F64, I8, I16, I32, I64 and every block-quantized ggml type by its name
 * ({@code q4_k}). Which key/values are written, and how {@code general.file_type} and
 * {@code general.quantization_version} are set, is described in {@link OutputKeys}.
 *
 * <p>Options: {@code split_max_size} (decimal bytes per shard, e.g. {@code 500M}, {@code 2G}),
 * {@code split_max_tensors} (tensors per shard) and {@code alignment} (a power of two, default
 * 32). With either split option the output is written as shards named
 * {@code PREFIX-0000i-of-0000N.gguf} beside the given path, even when one shard is enough.
 */
@Extension
public final class GgufWriter implements FormatWriter {
    @Override
    public String id() {
        return GgufReader.ID;
    }

    @Override
    public String description() {
        return "GGUF v3 files laid out as ggml writes them, optionally split as gguf-split does";
    }

    @Override
    public boolean accepts(Path path) {
        Path name = path.getFileName();
        return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".gguf");
    }

    @Override
    public boolean canStore(TensorType type) {
        return GgufTypes.ggmlType(type).isPresent();
    }

    @Override
    public Set<String> options() {
        return WriterOptions.KEYS;
    }

    @Override
    public ModelSink create(Path path, OutputPlan plan, Map<String, String> options) throws IOException {
        return GgufSink.create(GgufLayout.of(path, plan, WriterOptions.parse(options)));
    }
}
