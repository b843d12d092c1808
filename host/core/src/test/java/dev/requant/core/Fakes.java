package dev.requant.core;

import dev.requant.spi.ElementType;
import dev.requant.spi.Encoding;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSink;
import dev.requant.spi.ModelSource;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import dev.requant.spi.Transcoder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** In-memory extensions for core tests: a source, a writer that keeps what it is given, a toy scheme. */
public final class Fakes {
    private Fakes() {
    }

    /** An f32 stored tensor whose value at index i is {@code f(i)}. */
    public static StoredTensor f32(String name, java.util.function.LongToDoubleFunction f, long... dims) {
        Shape shape = Shape.of(dims);
        MemorySegment data = Arena.ofAuto().allocate(shape.numel() * 4, 8);
        for (long i = 0; i < shape.numel(); i++) {
            data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, (float) f.applyAsDouble(i));
        }
        PartSpec spec = new PartSpec(PartSpec.DATA, ElementType.F32, shape);
        return StoredTensor.of(new TensorInfo(name, shape, ElementType.F32), new TensorPart(spec, data));
    }

    public static ModelSource source(SourceTensor... tensors) {
        List<SourceTensor> list = List.of(tensors);
        Metadata metadata = new Metadata();
        return new ModelSource() {
            @Override
            public String format() {
                return "memory";
            }

            @Override
            public Metadata metadata() {
                return metadata;
            }

            @Override
            public List<SourceTensor> tensors() {
                return list;
            }

            @Override
            public void close() {
            }
        };
    }

    /**
     * A toy block scheme "half4": blocks of 4 values stored as 4 f16 values after a 2-byte f16
     * maximum (10 bytes per block); falls back to "half2" as q4_k falls back to q5_0.
     */
    public static class Half4 implements QuantScheme {
        private final String id;
        private final int block;
        private final String fallback;

        public Half4() {
            this("half4", 4, "half2");
        }

        protected Half4(String id, int block, String fallback) {
            this.id = id;
            this.block = block;
            this.fallback = fallback;
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public String description() {
            return "test scheme";
        }

        @Override
        public Encoding encoding(Map<String, String> params) {
            if (!params.isEmpty()) {
                throw new IllegalArgumentException(id + " takes no parameters");
            }
            return Encoding.of(id);
        }

        @Override
        public Optional<String> fit(TensorInfo t) {
            return t.shape().rowLength() % block == 0 ? Optional.empty()
                    : Optional.of("row length " + t.shape().rowLength() + " is not a multiple of " + block);
        }

        @Override
        public List<PartSpec> layout(TensorInfo t) {
            long blocks = t.shape().numel() / block;
            return List.of(new PartSpec(PartSpec.DATA, ElementType.U8, Shape.of(blocks * (2 + 2L * block))));
        }

        @Override
        public Optional<TensorType> fallback(Encoding e) {
            return fallback == null ? Optional.empty() : Optional.of(Encoding.of(fallback));
        }

        @Override
        public void decode(StoredTensor s, long firstRow, int rows, float[] dst, int off) {
            long rowLength = s.info().shape().rowLength();
            MemorySegment data = s.part(PartSpec.DATA).data();
            long firstBlock = firstRow * rowLength / block;
            int blocks = (int) (rows * rowLength / block);
            for (int b = 0; b < blocks; b++) {
                long at = (firstBlock + b) * (2 + 2L * block);
                for (int j = 0; j < block; j++) {
                    dst[off + b * block + j] = Float.float16ToFloat(data.get(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2 + 2L * j));
                }
            }
        }

        @Override
        public void encode(TensorInfo t, float[] src, int off, int rows, MemorySegment[] out) {
            int blocks = (int) (rows * t.shape().rowLength() / block);
            for (int b = 0; b < blocks; b++) {
                long at = b * (2 + 2L * block);
                float max = 0;
                for (int j = 0; j < block; j++) {
                    max = Math.max(max, Math.abs(src[off + b * block + j]));
                    out[0].set(ValueLayout.JAVA_SHORT_UNALIGNED, at + 2 + 2L * j, Float.floatToFloat16(src[off + b * block + j]));
                }
                out[0].set(ValueLayout.JAVA_SHORT_UNALIGNED, at, Float.floatToFloat16(max));
            }
        }

        /** Half4 holds f16 values: repacking it to f16 drops the maxima and loses nothing. */
        @Override
        public Optional<Transcoder> transcoder(StoredTensor source, TensorInfo target) {
            if (target.type() != ElementType.F16) {
                return Optional.empty();
            }
            return Optional.of(new Transcoder() {
                @Override
                public boolean exact() {
                    return true;
                }

                @Override
                public double maxError() {
                    return 0;
                }

                @Override
                public void transcode(StoredTensor s, long firstRow, int rows, MemorySegment[] out) {
                    MemorySegment data = s.part(PartSpec.DATA).data();
                    long values = rows * s.info().shape().rowLength();
                    long first = firstRow * s.info().shape().rowLength();
                    for (long i = 0; i < values; i++) {
                        long v = first + i;
                        short half = data.get(ValueLayout.JAVA_SHORT_UNALIGNED, v / block * (2 + 2L * block) + 2 + 2 * (v % block));
                        out[0].setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, half);
                    }
                }
            });
        }
    }

    /**
     * A toy GPTQ-like scheme "colq": values divided by the whole tensor's largest magnitude (found
     * in a prepass), stored transposed as f16 ({@code q [in, out]}, columns follow rows), and that
     * magnitude once ({@code scale}, a whole-tensor part).
     */
    public static final class ColQ implements QuantScheme {
        @Override
        public String id() {
            return "colq";
        }

        @Override
        public String description() {
            return "test scheme with column parts";
        }

        @Override
        public Encoding encoding(Map<String, String> params) {
            return Encoding.of("colq");
        }

        @Override
        public Optional<String> fit(TensorInfo t) {
            return Optional.empty();
        }

        @Override
        public List<PartSpec> layout(TensorInfo t) {
            Shape s = t.shape();
            return List.of(new PartSpec("q", ElementType.F16, Shape.of(s.rowLength(), s.rows()), PartSpec.Rows.LAST),
                    new PartSpec("scale", ElementType.F32, Shape.of(1), PartSpec.Rows.NONE));
        }

        @Override
        public void decode(StoredTensor s, long firstRow, int rows, float[] dst, int off) {
            long out = s.info().shape().rows();
            int in = (int) s.info().shape().rowLength();
            MemorySegment q = s.part("q").data();
            float scale = s.part("scale").data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, 0);
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < in; c++) {
                    short half = q.getAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, c * out + firstRow + r);
                    dst[off + r * in + c] = Float.float16ToFloat(half) * scale;
                }
            }
        }

        @Override
        public TensorEncoder encoder(TensorInfo t) {
            int in = (int) t.shape().rowLength();
            java.util.concurrent.atomic.AtomicInteger maxBits = new java.util.concurrent.atomic.AtomicInteger();
            return new TensorEncoder() {
                @Override
                public boolean needsPrepass() {
                    return true;
                }

                @Override
                public void observe(float[] src, int off, long firstRow, int rows) {
                    float max = 0;
                    for (int i = 0; i < rows * in; i++) {
                        max = Math.max(max, Math.abs(src[off + i]));
                    }
                    float found = max;
                    maxBits.accumulateAndGet(Float.floatToIntBits(found),
                            (a, b) -> Float.floatToIntBits(Math.max(Float.intBitsToFloat(a), Float.intBitsToFloat(b))));
                }

                @Override
                public void encode(float[] src, int off, long firstRow, int rows, MemorySegment[] out) {
                    float scale = Float.intBitsToFloat(maxBits.get());
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < in; c++) {
                            out[0].setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, (long) c * rows + r,
                                    Float.floatToFloat16(src[off + r * in + c] / scale));
                        }
                    }
                    finish(out);
                }

                @Override
                public void finish(MemorySegment[] out) {
                    out[1].set(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, Float.intBitsToFloat(maxBits.get()));
                }
            };
        }
    }

    /** Blocks of 2: the fallback of {@link Half4}. */
    public static final class Half2 extends Half4 {
        public Half2() {
            super("half2", 2, null);
        }
    }

    /** A writer that keeps every written byte in memory and records commits and aborts. */
    public static final class MemoryWriter implements FormatWriter {
        public final Map<Path, MemorySink> sinks = new ConcurrentHashMap<>();
        private final List<TensorType> storable;
        public volatile String failOnTensor;

        public MemoryWriter(TensorType... storable) {
            this.storable = List.of(storable);
        }

        @Override
        public String id() {
            return "memory";
        }

        @Override
        public String description() {
            return "test writer";
        }

        @Override
        public boolean accepts(Path path) {
            return path.toString().endsWith(".mem");
        }

        @Override
        public boolean canStore(TensorType type) {
            return storable.isEmpty() || storable.contains(type);
        }

        @Override
        public java.util.Set<String> options() {
            return java.util.Set.of("level");
        }

        @Override
        public ModelSink create(Path path, OutputPlan plan, Map<String, String> options) {
            MemorySink sink = new MemorySink(plan, this);
            sinks.put(path, sink);
            return sink;
        }
    }

    /** Bytes per tensor part as written; committed or aborted. */
    public static final class MemorySink implements ModelSink {
        public final OutputPlan plan;
        public final List<List<MemorySegment>> data = new ArrayList<>();
        public volatile boolean committed;
        public volatile boolean aborted;
        private final MemoryWriter writer;

        MemorySink(OutputPlan plan, MemoryWriter writer) {
            this.plan = plan;
            this.writer = writer;
            for (var t : plan.tensors()) {
                List<MemorySegment> parts = new ArrayList<>();
                for (PartSpec p : t.parts()) {
                    parts.add(Arena.ofAuto().allocate(Math.max(1, p.byteSize())).asSlice(0, p.byteSize()));
                }
                data.add(parts);
            }
        }

        @Override
        public void write(int tensor, int part, long offset, MemorySegment bytes) throws java.io.IOException {
            if (plan.tensors().get(tensor).info().name().equals(writer.failOnTensor)) {
                throw new java.io.IOException("disk full (test)");
            }
            MemorySegment.copy(bytes, 0, data.get(tensor).get(part), offset, bytes.byteSize());
        }

        @Override
        public void commit() {
            committed = true;
        }

        @Override
        public void abort() {
            aborted = true;
        }

        public float f32(int tensor, long index) {
            return data.get(tensor).getFirst().getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, index);
        }
    }
}
