package dev.requant.core.exec;

import dev.requant.core.plan.Action;
import dev.requant.core.plan.PlanEntry;
import dev.requant.core.types.Codecs;
import dev.requant.core.types.TypeCodec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One source tensor and what every output needs from it: outputs that copy its bytes, and the
 * target types it is encoded to (once per type, whatever the number of outputs sharing it).
 */
final class TensorWork {
    /** Outputs that share one target type: the encoding is done once for all of them. */
    record Target(TypeCodec codec, TensorInfo info, PlanEntry entry, List<Integer> outputs) {
    }

    final int index;
    final SourceTensor source;
    final long rows;
    final long rowLength;
    final List<Integer> copies = new ArrayList<>();
    final List<Target> targets = new ArrayList<>();
    final int alignment;

    TensorWork(int index, List<PlanEntry> perOutput, Codecs codecs) {
        this.index = index;
        this.source = perOutput.getFirst().source();
        TensorInfo info = source.info();
        this.rows = info.shape().rows();
        this.rowLength = info.shape().rowLength();
        Map<TensorType, List<Integer>> byType = new LinkedHashMap<>();
        for (int o = 0; o < perOutput.size(); o++) {
            PlanEntry e = perOutput.get(o);
            if (e.action() == Action.COPY) {
                copies.add(o);
            } else {
                byType.computeIfAbsent(e.target().type(), t -> new ArrayList<>()).add(o);
            }
        }
        long align = 1;
        if (!byType.isEmpty() && source instanceof StoredTensor s) {
            align = lcm(align, codecs.of(s.info().type()).orElseThrow().rowAlignment(info));
        }
        for (var e : byType.entrySet()) {
            PlanEntry entry = perOutput.get(e.getValue().getFirst());
            TypeCodec codec = codecs.of(e.getKey()).orElseThrow();
            targets.add(new Target(codec, entry.target(), entry, List.copyOf(e.getValue())));
            align = lcm(align, codec.rowAlignment(entry.target()));
        }
        this.alignment = Math.toIntExact(align);
    }

    boolean decodes() {
        return !targets.isEmpty();
    }

    /** Rows per chunk: about {@code chunkElements} values, a multiple of the alignment, at least one unit. */
    int chunkRows(long chunkElements) {
        long perChunk = Math.max(1, chunkElements / Math.max(1, rowLength));
        perChunk = Math.max(alignment, perChunk / alignment * alignment);
        return Math.toIntExact(Math.min(perChunk, Math.max(rows, 1)));
    }

    /** Bytes of the source for progress: stored bytes, or f32 values for computed tensors. */
    long sourceBytes() {
        return source instanceof StoredTensor s ? s.byteSize() : Math.multiplyExact(source.info().shape().numel(), 4L);
    }

    List<TensorPart> storedParts() {
        return source instanceof StoredTensor s ? s.parts() : List.of();
    }

    private static long lcm(long a, long b) {
        long x = a;
        long y = b;
        while (y != 0) {
            long t = x % y;
            x = y;
            y = t;
        }
        return a / x * b;
    }
}
