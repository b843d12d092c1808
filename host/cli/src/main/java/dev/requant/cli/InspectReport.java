package dev.requant.cli;

import dev.requant.spi.ElementType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a model really holds: every logical tensor with its type, bytes on disk and bits per
 * weight, what is quantized and what is not, and the memory its weights take to load.
 */
record InspectReport(String path, String format, List<Tensor> tensors, Totals totals, Map<String, String> metadata,
                     List<String> files) {

    record Tensor(String name, List<Long> shape, String type, boolean quantized, long bytes, double bitsPerWeight) {
    }

    /**
     * @param loadedAsStored bytes the weights take in memory as stored
     * @param loadedAsF16    bytes once every float or quantized tensor is dequantized to f16
     */
    record Totals(int tensors, long values, long bytes, int quantizedTensors, long quantizedValues,
                  long quantizedBytes, Map<String, TypeTotal> byType, long loadedAsStored, long loadedAsF16) {
    }

    record TypeTotal(int tensors, long values, long bytes) {
    }

    static InspectReport of(String path, ModelSource source) {
        List<Tensor> tensors = source.tensors().stream().map(InspectReport::tensor).toList();
        Map<String, TypeTotal> byType = new LinkedHashMap<>();
        long values = 0;
        long bytes = 0;
        long qValues = 0;
        long qBytes = 0;
        int qTensors = 0;
        long asF16 = 0;
        for (int i = 0; i < tensors.size(); i++) {
            Tensor t = tensors.get(i);
            long n = source.tensors().get(i).info().shape().numel();
            values += n;
            bytes += t.bytes();
            if (t.quantized()) {
                qTensors++;
                qValues += n;
                qBytes += t.bytes();
            }
            boolean real = t.quantized()
                    || source.tensors().get(i).info().type() instanceof ElementType e && e.isFloat();
            asF16 += real ? n * 2 : t.bytes();
            byType.merge(t.type(), new TypeTotal(1, n, t.bytes()),
                    (a, b) -> new TypeTotal(a.tensors() + b.tensors(), a.values() + b.values(), a.bytes() + b.bytes()));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        source.metadata().values().forEach((k, v) -> metadata.put(k, show(v)));
        return new InspectReport(path, source.format(), tensors,
                new Totals(tensors.size(), values, bytes, qTensors, qValues, qBytes, byType, bytes, asF16),
                metadata, List.copyOf(source.metadata().files().keySet()));
    }

    private static Tensor tensor(SourceTensor t) {
        long bytes = PlanReport.sourceBytes(t);
        long n = t.info().shape().numel();
        return new Tensor(t.name(), Arrays.stream(t.info().shape().dims()).boxed().toList(), t.info().type().id(),
                t.info().type().isQuantized(), bytes, n == 0 ? 0 : bytes * 8.0 / n);
    }

    /** A metadata value in one short line: arrays are summarised. */
    static String show(MetaValue v) {
        return switch (v) {
            case MetaValue.Int i -> i.type() == dev.requant.spi.MetaType.U64 ? Long.toUnsignedString(i.value())
                    : Long.toString(i.value());
            case MetaValue.Real r -> Double.toString(r.value());
            case MetaValue.Bool b -> Boolean.toString(b.value());
            case MetaValue.Str s -> s.value().length() > 80 ? s.value().substring(0, 77).replace('\n', ' ') + "..."
                    : s.value().replace('\n', ' ');
            case MetaValue.Arr a -> "[" + a.items().size() + " x " + a.elementType().name().toLowerCase(java.util.Locale.ROOT) + "]";
        };
    }
}
