package dev.requant.plugins.gguf;

import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.OutputPlan;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key/values of a GGUF output (its first shard), in the order they are written.
 *
 * <ol>
 *   <li>The plan's metadata in its order, without {@code safetensors.*} keys (another format's)
 *       and without {@code general.alignment} and {@code split.*} (the writer's own).</li>
 *   <li>{@code general.alignment} when it is not the default 32.</li>
 *   <li>{@code general.quantization_version} and {@code general.file_type}, which the writer sets
 *       the way llama-quantize does: a set removes the key and appends it. When some tensor is
 *       quantized and the plan names its quantization, both are set (file type from the name;
 *       dropped when llama.cpp has no file type of that name). When some tensor is quantized and
 *       the plan names none (quantized tensors copied as they are), the input's keys stay where
 *       they are and only a missing quantization version is appended. When no tensor is
 *       quantized, {@code general.file_type} is set only if the plan names F32, F16 or BF16; a
 *       value that claims a quantized file is dropped, any other kept.</li>
 * </ol>
 */
final class OutputKeys {
    private static final Logger LOG = LoggerFactory.getLogger(OutputKeys.class);
    static final String QUANTIZATION_VERSION = "general.quantization_version";
    static final String FILE_TYPE = "general.file_type";
    /** ggml's {@code GGML_QNT_VERSION}. */
    static final int QNT_VERSION = 2;

    private OutputKeys() {
    }

    static LinkedHashMap<String, MetaValue> of(OutputPlan plan, boolean anyQuantized, int alignment) {
        LinkedHashMap<String, MetaValue> kvs = new LinkedHashMap<>();
        plan.metadata().values().forEach((key, value) -> {
            if (!key.startsWith(Metadata.SAFETENSORS_PREFIX) && !GgufSource.isContainerKey(key)) {
                kvs.put(key, value);
            }
        });
        if (alignment != GgufParser.DEFAULT_ALIGNMENT) {
            kvs.put(GgufParser.ALIGNMENT_KEY, u32(alignment));
        }
        Optional<String> quantization = plan.quantization();
        OptionalInt fileType = quantization.map(LlamaFileType::of).orElse(OptionalInt.empty());
        if (anyQuantized) {
            if (quantization.isPresent()) {
                set(kvs, QUANTIZATION_VERSION, u32(QNT_VERSION));
                kvs.remove(FILE_TYPE);
                fileType.ifPresent(f -> kvs.put(FILE_TYPE, u32(f)));
            } else {
                kvs.putIfAbsent(QUANTIZATION_VERSION, u32(QNT_VERSION));
            }
        } else if (fileType.isPresent() && LlamaFileType.isFloat(fileType.getAsInt())) {
            set(kvs, FILE_TYPE, u32(fileType.getAsInt()));
        } else if (quantization.isPresent()
                || kvs.get(FILE_TYPE) instanceof MetaValue.Int i && !LlamaFileType.isFloat(i.value())) {
            kvs.remove(FILE_TYPE);
        }
        LOG.debug("{} {}, {} {} ({}; {} quantized)", FILE_TYPE, written(kvs, FILE_TYPE), QUANTIZATION_VERSION,
                written(kvs, QUANTIZATION_VERSION), quantization.map(q -> "the plan names " + q)
                        .orElse("the plan names no quantization"), anyQuantized ? "some tensors" : "no tensor");
        return kvs;
    }

    private static Object written(LinkedHashMap<String, MetaValue> kvs, String key) {
        return kvs.get(key) instanceof MetaValue.Int i ? i.value() : "not written";
    }

    private static void set(LinkedHashMap<String, MetaValue> kvs, String key, MetaValue value) {
        kvs.remove(key);
        kvs.put(key, value);
    }

    static MetaValue u32(long value) {
        return new MetaValue.Int(MetaType.U32, value);
    }
}
