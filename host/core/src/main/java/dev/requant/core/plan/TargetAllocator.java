package dev.requant.core.plan;

import dev.requant.core.types.Codecs;
import dev.requant.core.types.TypeCodec;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the types of the weight matrices left to a {@link Target}: each starts at the smallest
 * candidate type that fits it, then the upgrade that removes the most measured error per added
 * byte is taken, again and again, while the output stays within the budget. The error of a type
 * is measured on a sample of the tensor's own rows (encoded and decoded again): tensors that suffer
 * most from few bits get more.
 */
final class TargetAllocator {
    private static final Logger LOG = LoggerFactory.getLogger(TargetAllocator.class);
    /** Values measured per tensor and type: enough rows to be representative, cheap for any model. */
    static final int SAMPLE_VALUES = 1 << 15;

    /** One candidate type for one tensor: its size and its measured error (squared, summed). */
    private record Option(TensorType type, long bytes, double error, double relRmse) {
    }

    private record Upgrade(int tensor, int to, double gainPerByte) {
    }

    private final Codecs codecs;

    TargetAllocator(Codecs codecs) {
        this.codecs = codecs;
    }

    /**
     * Entries for the {@code free} tensors, in their order.
     *
     * @param fixedBytes  bytes of every other tensor of the output
     * @param totalValues values of the whole output
     */
    List<PlanEntry> allocate(List<SourceTensor> free, Target target, long fixedBytes, long totalValues,
                             Predicate<TensorType> storable) {
        List<List<Option>> options = new ArrayList<>();
        int[] chosen = new int[free.size()];
        long total = fixedBytes;
        for (SourceTensor t : free) {
            List<Option> fitting = measure(t, target.types(), storable);
            if (fitting.isEmpty()) {
                throw new PlanException("cannot meet " + target + " (" + target.at() + ")", List.of(t.name() + " "
                        + t.info().shape() + ": none of " + ids(target.types()) + " fits it"));
            }
            options.add(fitting);
            total += fitting.getFirst().bytes();
        }
        long budget = target.budget(totalValues);
        if (total > budget) {
            throw new PlanException("cannot meet " + target + " (" + target.at() + ")", List.of(String.format(Locale.ROOT,
                    "the smallest choice of %s already takes %.3f bits per weight (%d bytes for a budget of %d)",
                    ids(target.types()), total * 8.0 / totalValues, total, budget)));
        }
        PriorityQueue<Upgrade> queue = new PriorityQueue<>(Comparator.comparingDouble(Upgrade::gainPerByte).reversed());
        for (int t = 0; t < free.size(); t++) {
            best(t, 0, options.get(t)).ifPresent(queue::add);
        }
        while (!queue.isEmpty()) {
            Upgrade u = queue.poll();
            if (chosen[u.tensor()] >= u.to()) {
                continue;
            }
            List<Option> o = options.get(u.tensor());
            long delta = o.get(u.to()).bytes() - o.get(chosen[u.tensor()]).bytes();
            if (total + delta > budget) {
                // a smaller step of the same tensor may still fit
                bestWithin(u.tensor(), chosen[u.tensor()], o, budget - total).ifPresent(queue::add);
                continue;
            }
            total += delta;
            chosen[u.tensor()] = u.to();
            best(u.tensor(), u.to(), o).ifPresent(queue::add);
        }
        List<PlanEntry> entries = new ArrayList<>();
        for (int t = 0; t < free.size(); t++) {
            entries.add(entry(free.get(t), options.get(t), chosen[t], target));
        }
        LOG.debug("{} ({}): {} weight matrices measured with {} on up to {} values each; {} of {} budget bytes"
                        + " ({} bits per weight)", target, target.at(), free.size(), ids(target.types()), SAMPLE_VALUES,
                total, budget, String.format(Locale.ROOT, "%.3f", total * 8.0 / totalValues));
        return entries;
    }

    private static Optional<Upgrade> best(int tensor, int from, List<Option> o) {
        return bestWithin(tensor, from, o, Long.MAX_VALUE);
    }

    /** The upgrade of this tensor with the most error removed per byte, adding at most {@code room} bytes. */
    private static Optional<Upgrade> bestWithin(int tensor, int from, List<Option> o, long room) {
        Upgrade best = null;
        for (int to = from + 1; to < o.size(); to++) {
            long delta = o.get(to).bytes() - o.get(from).bytes();
            double gain = o.get(from).error() - o.get(to).error();
            if (delta > 0 && delta <= room && gain > 0 && (best == null || gain / delta > best.gainPerByte())) {
                best = new Upgrade(tensor, to, gain / delta);
            }
        }
        return Optional.ofNullable(best);
    }

    private PlanEntry entry(SourceTensor t, List<Option> o, int chosen, Target target) {
        Option c = o.get(chosen);
        StringBuilder why = new StringBuilder(target.toString()).append(" (").append(target.at()).append("): ")
                .append(c.type().id()).append(String.format(Locale.ROOT, ", rel_rmse %.4g", c.relRmse()));
        if (chosen > 0) {
            Option below = o.get(chosen - 1);
            why.append(String.format(Locale.ROOT, " (%s: %.4g)", below.type().id(), below.relRmse()));
        }
        TensorInfo info = t.info().withType(c.type());
        List<PartSpec> parts = codecs.of(c.type()).orElseThrow().layout(info);
        return new PlanEntry(t, info, parts, codecs.partNames(info, parts), Action.CONVERT, Fidelity.LOSSY,
                why.toString(),
                List.of());
    }

    /** The candidate types that fit this tensor, smallest first, each measured on sample rows. */
    private List<Option> measure(SourceTensor t, List<TensorType> types, Predicate<TensorType> storable) {
        Shape shape = t.info().shape();
        int rowLength = Math.toIntExact(shape.rowLength());
        long rows = shape.rows();
        // whole encoding units of every type involved, spread over the tensor
        int unit = unit(t, types);
        int units = (int) Math.max(1, Math.min(rows / unit, SAMPLE_VALUES / Math.max(1L, (long) unit * rowLength)));
        int sampleRows = units * unit;
        float[] values = new float[sampleRows * rowLength];
        for (int u = 0; u < units; u++) {
            long first = rows / unit * u / units * unit;
            codecs.decode(t, first, unit, values, u * unit * rowLength);
        }
        double reference = 0;
        for (float v : values) {
            reference += (double) v * v;
        }
        List<Option> out = new ArrayList<>();
        for (TensorType type : types) {
            TypeCodec codec = codecs.of(type).orElseThrow();
            if (!storable.test(type) || codec.fit(t.info().withType(type)).isPresent()) {
                continue;
            }
            double error = squaredError(codec, new TensorInfo(t.name(), Shape.of(sampleRows, rowLength), type), values);
            long bytes = codec.layout(t.info().withType(type)).stream().mapToLong(PartSpec::byteSize).sum();
            double scale = (double) shape.numel() / values.length;
            out.add(new Option(type, bytes, error * scale, reference == 0 ? 0 : Math.sqrt(error / reference)));
        }
        out.sort(Comparator.comparingLong(Option::bytes));
        return out;
    }

    /** Rows per encoding unit of the source and of every candidate type. */
    private int unit(SourceTensor t, List<TensorType> types) {
        long unit = t instanceof StoredTensor s ? codecs.of(s.info().type()).orElseThrow().rowAlignment(t.info()) : 1;
        for (TensorType type : types) {
            unit = lcm(unit, codecs.of(type).orElseThrow().rowAlignment(t.info().withType(type)));
        }
        return Math.toIntExact(Math.min(unit, Math.max(1, t.info().shape().rows())));
    }

    private static long lcm(long a, long b) {
        long x = a;
        long y = b;
        while (y != 0) {
            long r = x % y;
            x = y;
            y = r;
        }
        return a / x * b;
    }

    /** Encodes the sample rows with a codec, decodes them again, and sums the squared differences. */
    private static double squaredError(TypeCodec codec, TensorInfo sample, float[] values) {
        List<PartSpec> layout = codec.layout(sample);
        MemorySegment[] parts = new MemorySegment[layout.size()];
        List<TensorPart> stored = new ArrayList<>();
        try (Arena arena = Arena.ofConfined()) {
            for (int p = 0; p < parts.length; p++) {
                parts[p] = arena.allocate(Math.max(1, layout.get(p).byteSize())).asSlice(0, layout.get(p).byteSize());
                stored.add(new TensorPart(layout.get(p), parts[p]));
            }
            int rows = Math.toIntExact(sample.shape().rows());
            TensorEncoder encoder = codec.encoder(sample);
            if (encoder.needsPrepass()) {
                encoder.observe(values, 0, 0, rows);
            }
            encoder.encode(values, 0, 0, rows, parts);
            float[] back = new float[values.length];
            codec.decode(new StoredTensor(sample, stored), 0, rows, back, 0);
            double error = 0;
            for (int i = 0; i < values.length; i++) {
                double d = (double) back[i] - values[i];
                error += d * d;
            }
            return error;
        }
    }

    private static String ids(List<TensorType> types) {
        return types.stream().map(TensorType::id).toList().toString();
    }
}
