package dev.requant.plugins.gguf;

import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.TensorType;
import java.util.Optional;

/**
 * How ggml tensor types and requant tensor types correspond: plain ggml types are element types,
 * every block-quantized ggml type is the encoding named after it ({@code q4_k}), whether or not a
 * scheme plugin can decode it (its bytes can still be copied).
 */
final class GgufTypes {
    private GgufTypes() {
    }

    static TensorType tensorType(GgmlType type) {
        return switch (type) {
            case F32 -> ElementType.F32;
            case F16 -> ElementType.F16;
            case BF16 -> ElementType.BF16;
            case F64 -> ElementType.F64;
            case I8 -> ElementType.I8;
            case I16 -> ElementType.I16;
            case I32 -> ElementType.I32;
            case I64 -> ElementType.I64;
            default -> Encoding.of(type.typeName());
        };
    }

    /** The ggml type that stores {@code type}, if GGUF can store it. */
    static Optional<GgmlType> ggmlType(TensorType type) {
        return switch (type) {
            case ElementType e -> switch (e) {
                case F32 -> Optional.of(GgmlType.F32);
                case F16 -> Optional.of(GgmlType.F16);
                case BF16 -> Optional.of(GgmlType.BF16);
                case F64 -> Optional.of(GgmlType.F64);
                case I8 -> Optional.of(GgmlType.I8);
                case I16 -> Optional.of(GgmlType.I16);
                case I32 -> Optional.of(GgmlType.I32);
                case I64 -> Optional.of(GgmlType.I64);
                default -> Optional.empty();
            };
            case Encoding enc -> enc.params().isEmpty()
                    ? GgmlType.byName(enc.scheme()).filter(GgmlType::isQuantized)
                    : Optional.empty();
        };
    }
}
