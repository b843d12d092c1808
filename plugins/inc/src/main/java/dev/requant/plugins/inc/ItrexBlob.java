package dev.requant.plugins.inc;

import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import dev.requant.spi.ElementType;
import dev.requant.spi.Metadata;
import dev.requant.spi.StoredTensor;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * intel-extension-for-transformers' weight-only checkpoints (1.3, QBits/BesTLA): each Linear's
 * codes, scales, zero points and header packed into one opaque buffer, saved under the original
 * {@code P.weight} key as a 1-D int8 tensor where a matrix {@code [out, in]} belongs. The layout is
 * the runtime's own and undocumented; such a weight is recognised and refused with the way out.
 */
final class ItrexBlob {
    /** ITREX weight dtypes whose blobs its later save_low_bit keeps as they are. */
    private static final Set<String> KEPT_AS_BLOB = Set.of("fp8_e5m2", "fp8_e4m3", "nf4", "fp4", "int4_fullrange");

    private ItrexBlob() {
    }

    /** The first {@code *.weight} stored as a 1-D int8 or uint8 tensor, if any. */
    static Optional<StoredTensor> find(Map<String, StoredTensor> byName) {
        return byName.values().stream()
                .filter(t -> t.name().endsWith(".weight") && t.info().shape().rank() == 1
                        && (t.info().type() == ElementType.I8 || t.info().type() == ElementType.U8))
                .findFirst();
    }

    static BadInputException refusal(Path file, StoredTensor blob, Metadata metadata) {
        Map<String, Object> q = quantizationConfig(metadata);
        Object dtype = q == null ? null : q.get("weight_dtype");
        StringBuilder b = new StringBuilder("is a 1-D ").append(blob.info().type().id()).append(" blob of ")
                .append(blob.info().shape().numel()).append(" bytes where a matrix [out, in] belongs: an"
                        + " intel-extension-for-transformers weight-only checkpoint (QBits/BesTLA packed weight");
        if (q != null) {
            String settings = Stream.of("quant_method", "weight_dtype", "group_size", "scheme")
                    .filter(k -> q.get(k) != null).map(k -> k + " " + q.get(k)).collect(Collectors.joining(", "));
            if (!settings.isEmpty()) {
                b.append("; config.json: ").append(settings);
            }
        }
        b.append("), whose layout belongs to that runtime and is not documented, so no reader can decode it. Re-export"
                + " it in a readable layout: ");
        if (dtype != null && KEPT_AS_BLOB.contains(dtype.toString())) {
            b.append("for weight_dtype ").append(dtype).append(" even intel-extension-for-transformers' save_low_bit"
                    + " keeps the blob, so quantize the original full-precision model again (with requant, or with"
                    + " neural-compressor, whose export requant reads)");
        } else {
            b.append("load it with intel-extension-for-transformers 1.4 or later and save it with save_low_bit, which"
                    + " writes neural-compressor's GPTQ-compatible qweight/qzeros/scales tensors that requant reads;"
                    + " or quantize the original full-precision model again");
        }
        return BadInputException.inTensor(file, blob.name(), b.toString());
    }

    /** config.json's quantization_config, or null when there is none or it does not parse. */
    private static Map<String, Object> quantizationConfig(Metadata metadata) {
        Optional<AuxFile> config = metadata.file(IncConfig.CONFIG);
        if (config.isEmpty()) {
            return null;
        }
        try {
            Map<String, Object> root = JsonValues.asObject(JsonValues.parse(Path.of(IncConfig.CONFIG), config.get().bytes())).orElse(null);
            return root == null ? null : JsonValues.asObject(root.get("quantization_config")).orElse(null);
        } catch (java.io.IOException e) {
            return null;
        }
    }
}
