package dev.requant.core.exec;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * A worker thread's reusable buffers: f32 values of a chunk, the values decoded back for
 * verification, and encoded bytes. They grow to the largest chunk and stay: memory is bounded by
 * threads x chunk size.
 */
final class Scratch {
    private static final ThreadLocal<Scratch> OF_THREAD = ThreadLocal.withInitial(Scratch::new);

    private float[] values = new float[0];
    private float[] check = new float[0];
    private MemorySegment bytes = MemorySegment.NULL;

    static Scratch get() {
        return OF_THREAD.get();
    }

    float[] values(int n) {
        if (values.length < n) {
            values = new float[n];
        }
        return values;
    }

    float[] check(int n) {
        if (check.length < n) {
            check = new float[n];
        }
        return check;
    }

    /** At least {@code n} bytes; the content is not cleared. */
    MemorySegment bytes(long n) {
        if (bytes.byteSize() < n) {
            bytes = Arena.ofAuto().allocate(Math.max(n, 1), 64);
        }
        return bytes;
    }
}
