package org.example.requant.npy;

import dev.requant.spi.ElementType;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSink;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PartSpec;
import dev.requant.spi.PlannedTensor;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Test arrays: plans, deterministic contents, and writing them through a sink. */
final class TestArrays {
    private TestArrays() {
    }

    static TensorInfo info(String name, ElementType type, long... dims) {
        return new TensorInfo(name, Shape.of(dims), type);
    }

    static PlannedTensor planned(TensorInfo info) {
        return new PlannedTensor(info, List.of(new PartSpec(PartSpec.DATA, (ElementType) info.type(), info.shape())));
    }

    static OutputPlan plan(List<TensorInfo> infos) {
        return new OutputPlan(new Metadata(), infos.stream().map(TestArrays::planned).toList(), Optional.empty());
    }

    /** Pseudo-random bytes of the tensor's size; bool arrays get 0 and 1 only. */
    static byte[] contents(TensorInfo info, long seed) {
        ElementType type = (ElementType) info.type();
        byte[] b = new byte[Math.toIntExact(type.bytesFor(info.shape().numel()))];
        Random r = new Random(seed);
        r.nextBytes(b);
        if (type == ElementType.BOOL) {
            for (int i = 0; i < b.length; i++) {
                b[i] &= 1;
            }
        }
        return b;
    }

    static List<byte[]> contents(List<TensorInfo> infos) {
        List<byte[]> all = new ArrayList<>();
        for (int i = 0; i < infos.size(); i++) {
            all.add(contents(infos.get(i), 1000 + i));
        }
        return all;
    }

    /** Writes every array in chunks of {@code chunk} bytes, in a shuffled order, from several threads. */
    static void write(ModelSink sink, List<byte[]> data, int chunk, long seed) throws Exception {
        record Piece(int tensor, int offset, int length) {
        }
        List<Piece> pieces = new ArrayList<>();
        for (int t = 0; t < data.size(); t++) {
            for (int off = 0; off < data.get(t).length; off += chunk) {
                pieces.add(new Piece(t, off, Math.min(chunk, data.get(t).length - off)));
            }
        }
        Collections.shuffle(pieces, new Random(seed));
        try (ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> done = new ArrayList<>();
            for (Piece p : pieces) {
                done.add(pool.submit(() -> {
                    sink.write(p.tensor(), 0, p.offset(),
                            MemorySegment.ofArray(data.get(p.tensor())).asSlice(p.offset(), p.length()));
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
        }
    }

    static byte[] bytes(SourceTensor t) {
        return ((StoredTensor) t).parts().getFirst().data().toArray(ValueLayout.JAVA_BYTE);
    }

    static void writeWhole(ModelSink sink, int tensor, byte[] data) throws IOException {
        sink.write(tensor, 0, 0, MemorySegment.ofArray(data));
    }
}
