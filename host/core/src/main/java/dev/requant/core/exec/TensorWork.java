package dev.requant.core.exec;

import dev.requant.core.plan.Action;
import dev.requant.core.plan.PlanEntry;
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
import dev.requant.spi.Transcoder;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One source tensor and what every output needs from it: outputs that copy its bytes, and the
 * target types it is encoded or repacked to (once per type, whatever the number of outputs
 * sharing it).
 */
final class TensorWork {
    /** Outputs that share one target type: its parts are made once for all of them. */
    static final class Target {
        final TypeCodec codec;
        final PlanEntry entry;
        final List<Integer> outputs;
        /** Exactly one of these makes the parts: from f32 values, or from the stored source. */
        final TensorEncoder encoder;
        final Transcoder transcoder;

        Target(TypeCodec codec, PlanEntry entry, List<Integer> outputs, TensorEncoder encoder, Transcoder transcoder) {
            this.codec = codec;
            this.entry = entry;
            this.outputs = outputs;
            this.encoder = encoder;
            this.transcoder = transcoder;
        }

        TensorInfo info() {
            return entry.target();
        }

        /** The parts of a tensor made of {@code rows} of this tensor's rows: what a chunk is encoded to. */
        List<PartSpec> chunkLayout(int rows, long rowLength) {
            return codec.layout(new TensorInfo(info().name(), Shape.of(rows, rowLength), info().type()));
        }

        void make(StoredTensor source, float[] values, long first, int rows, MemorySegment[] out) {
            if (transcoder != null) {
                transcoder.transcode(source, first, rows, out);
            } else {
                encoder.encode(values, 0, first, rows, out);
            }
        }

        void finish(MemorySegment[] whole) {
            if (transcoder != null) {
                transcoder.finish(whole);
            } else {
                encoder.finish(whole);
            }
        }

        boolean hasWholeParts() {
            return entry.parts().stream().anyMatch(p -> p.rows() == PartSpec.Rows.NONE);
        }
    }

    final int index;
    final SourceTensor source;
    final long rows;
    final long rowLength;
    final List<Integer> copies = new ArrayList<>();
    final List<Target> targets = new ArrayList<>();
    final int alignment;
    /** Chunks not done yet; the one that brings it to zero finishes the tensor. */
    final AtomicLong pending = new AtomicLong();

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
        for (var e : byType.entrySet()) {
            PlanEntry entry = perOutput.get(e.getValue().getFirst());
            TypeCodec codec = codecs.of(e.getKey()).orElseThrow();
            if (entry.action() == Action.TRANSCODE) {
                StoredTensor stored = (StoredTensor) source;
                Transcoder t = codecs.of(stored.info().type()).orElseThrow().transcoder(stored, entry.target())
                        .orElseThrow(() -> new IllegalStateException("no transcoder for " + entry.target()));
                targets.add(new Target(codec, entry, List.copyOf(e.getValue()), null, t));
            } else {
                targets.add(new Target(codec, entry, List.copyOf(e.getValue()), codec.encoder(entry.target()), null));
            }
            if (source instanceof StoredTensor s) {
                align = lcm(align, codecs.of(s.info().type()).orElseThrow().rowAlignment(info));
            }
            align = lcm(align, codec.rowAlignment(entry.target()));
        }
        this.alignment = Math.toIntExact(align);
    }

    /** True when some target is encoded from f32 values. */
    boolean decodes() {
        return targets.stream().anyMatch(t -> t.encoder != null);
    }

    /** True when some encoder must see every row before encoding. */
    boolean needsPrepass() {
        return targets.stream().anyMatch(t -> t.encoder != null && t.encoder.needsPrepass());
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
