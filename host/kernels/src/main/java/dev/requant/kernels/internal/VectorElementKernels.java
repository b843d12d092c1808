package dev.requant.kernels.internal;

import dev.requant.kernels.ElementKernels;
import dev.requant.kernels.Layouts;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Vector API twin of {@link ScalarElementKernels}, bit for bit. JDK 25's Vector API has no
 * f16 lane conversion, so f16, bf16 and f8 are converted with integer and exact float lane
 * operations; element counts that do not fill a vector finish in the scalar reference.
 */
public final class VectorElementKernels implements ElementKernels {
    public static final VectorElementKernels INSTANCE = new VectorElementKernels();

    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    private static final int L = F.length();
    /** L shorts: f16 and bf16 values of one float vector. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, half(F));
    /** f8 bytes of one or more float vectors: at least 128 bits, as no narrower byte vector exists. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class,
            VectorShape.forBitSize(Math.max(128, F.vectorBitSize() / 4)));
    private static final int F8_PARTS = B.length() / L;
    private static final int F8_STEP = B.length();
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** As many floats as D has doubles. */
    private static final VectorSpecies<Float> FD = VectorSpecies.of(float.class, half(D));

    private static final ScalarElementKernels TAIL = ScalarElementKernels.INSTANCE;

    private VectorElementKernels() {
    }

    /**
     * False on x86 without AVX2 (128-bit vectors): there C2 lacks most of the conversions and
     * mask operations these kernels use, and the Vector API's Java fallback runs them 5 to 50
     * times slower than the scalar references (measured with {@code -XX:UseAVX=0}).
     */
    public static boolean compiled() {
        String arch = System.getProperty("os.arch");
        boolean x86 = arch.equals("amd64") || arch.equals("x86_64");
        return !x86 || F.vectorBitSize() >= 256;
    }

    private static VectorShape half(VectorSpecies<?> species) {
        return VectorShape.forBitSize(species.vectorBitSize() / 2);
    }

    @Override
    public void readF32(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        // a plain little-endian copy: bulk copying is the fastest vector code there is
        MemorySegment.copy(src, Layouts.F32, srcOffset, dst, dstOffset, count);
    }

    @Override
    public void writeF32(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        MemorySegment.copy(src, srcOffset, dst, Layouts.F32, dstOffset, count);
    }

    @Override
    public void readF16(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        for (; i <= count - L; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, src, srcOffset + 2L * i, LE)
                    .convertShape(VectorOperators.ZERO_EXTEND_S2I, I, 0);
            f16ToF32(h).intoArray(dst, dstOffset + i);
        }
        TAIL.readF16(src, srcOffset + 2L * i, dst, dstOffset + i, count - i);
    }

    @Override
    public void readBf16(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        for (; i <= count - L; i += L) {
            IntVector h = (IntVector) ShortVector.fromMemorySegment(S, src, srcOffset + 2L * i, LE)
                    .convertShape(VectorOperators.S2I, I, 0);
            h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOffset + i);
        }
        TAIL.readBf16(src, srcOffset + 2L * i, dst, dstOffset + i, count - i);
    }

    @Override
    public void readF64(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int n = D.length();
        int i = 0;
        for (; i <= count - n; i += n) {
            FloatVector f = (FloatVector) DoubleVector.fromMemorySegment(D, src, srcOffset + 8L * i, LE)
                    .convertShape(VectorOperators.D2F, FD, 0);
            f.intoArray(dst, dstOffset + i);
        }
        TAIL.readF64(src, srcOffset + 8L * i, dst, dstOffset + i, count - i);
    }

    @Override
    public void readF8E4M3(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        for (; i <= count - F8_STEP; i += F8_STEP) {
            ByteVector b = ByteVector.fromMemorySegment(B, src, srcOffset + i, LE);
            for (int part = 0; part < F8_PARTS; part++) {
                IntVector w = (IntVector) b.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                e4m3ToF32(w).intoArray(dst, dstOffset + i + part * L);
            }
        }
        TAIL.readF8E4M3(src, srcOffset + i, dst, dstOffset + i, count - i);
    }

    @Override
    public void readF8E5M2(MemorySegment src, long srcOffset, float[] dst, int dstOffset, int count) {
        int i = 0;
        for (; i <= count - F8_STEP; i += F8_STEP) {
            ByteVector b = ByteVector.fromMemorySegment(B, src, srcOffset + i, LE);
            for (int part = 0; part < F8_PARTS; part++) {
                IntVector w = (IntVector) b.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, part);
                f16ToF32(w.lanewise(VectorOperators.LSHL, 8)).intoArray(dst, dstOffset + i + part * L);
            }
        }
        TAIL.readF8E5M2(src, srcOffset + i, dst, dstOffset + i, count - i);
    }

    @Override
    public void writeF16(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        int i = 0;
        for (; i <= count - L; i += L) {
            IntVector h = f32ToF16(FloatVector.fromArray(F, src, srcOffset + i));
            h.convertShape(VectorOperators.I2S, S, 0).intoMemorySegment(dst, dstOffset + 2L * i, LE);
        }
        TAIL.writeF16(src, srcOffset + i, dst, dstOffset + 2L * i, count - i);
    }

    @Override
    public void writeBf16(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        int i = 0;
        for (; i <= count - L; i += L) {
            IntVector h = f32ToBf16(FloatVector.fromArray(F, src, srcOffset + i));
            h.convertShape(VectorOperators.I2S, S, 0).intoMemorySegment(dst, dstOffset + 2L * i, LE);
        }
        TAIL.writeBf16(src, srcOffset + i, dst, dstOffset + 2L * i, count - i);
    }

    @Override
    public void writeF64(float[] src, int srcOffset, MemorySegment dst, long dstOffset, int count) {
        int n = D.length();
        int i = 0;
        for (; i <= count - n; i += n) {
            FloatVector.fromArray(FD, src, srcOffset + i)
                    .convertShape(VectorOperators.F2D, D, 0)
                    .intoMemorySegment(dst, dstOffset + 8L * i, LE);
        }
        TAIL.writeF64(src, srcOffset + i, dst, dstOffset + 8L * i, count - i);
    }

    /** f16 bits in the low 16 bits of each lane to f32, as {@link Fp#f16ToF32}. */
    private static FloatVector f16ToF32(IntVector h) {
        IntVector sign = h.and(0x8000).lanewise(VectorOperators.LSHL, 16);
        IntVector magnitude = h.and(0x7FFF);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        // exponent and mantissa in place: scaling by 2^(127-15) rebiases normals and normalises
        // subnormals, exactly
        IntVector finite = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        IntVector special = shifted.or(0x7F800000);
        VectorMask<Integer> infOrNan = magnitude.compare(VectorOperators.GE, 0x7C00);
        VectorMask<Integer> nan = magnitude.compare(VectorOperators.GT, 0x7C00);
        IntVector bits = finite.blend(special, infOrNan).blend(special.or(0x00400000), nan);
        return bits.or(sign).reinterpretAsFloats();
    }

    /** f32 to f16 bits in the low 16 bits of each lane, as {@link Fp#f32ToF16}. */
    private static IntVector f32ToF16(FloatVector f) {
        IntVector bits = f.reinterpretAsInts();
        IntVector sign = bits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
        IntVector a = bits.and(0x7FFFFFFF);
        // normal results: rebias the exponent, round to nearest even at bit 13, saturate to inf
        IntVector t = a.sub(0x38000000);
        IntVector normal = t.add(0xFFF).add(t.lanewise(VectorOperators.LSHR, 13).and(1))
                .lanewise(VectorOperators.LSHR, 13)
                .min(0x7C00);
        // subnormal results: adding 0.5 leaves |f| rounded to a multiple of 2^-24 in the mantissa
        IntVector subnormal = a.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(0x3F000000);
        IntVector h = normal.blend(subnormal, a.compare(VectorOperators.LT, 0x38800000))
                .blend(0x7E00, a.compare(VectorOperators.GT, 0x7F800000));
        return h.or(sign);
    }

    /** f32 to bf16 bits in the low 16 bits of each lane, as {@link Fp#f32ToBf16}. */
    private static IntVector f32ToBf16(FloatVector f) {
        IntVector bits = f.reinterpretAsInts();
        IntVector high = bits.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = bits.add(0x7FFF).add(high.and(1)).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = bits.and(0x7FFFFFFF).compare(VectorOperators.GT, 0x7F800000);
        return rounded.blend(high.or(64), nan);
    }

    /** OCP E4M3 bytes (zero-extended) to f32, as {@link Fp#f8e4m3ToF32}. */
    private static FloatVector e4m3ToF32(IntVector b) {
        IntVector sign = b.and(0x80).lanewise(VectorOperators.LSHL, 24);
        IntVector magnitude = b.and(0x7F);
        // exponent and mantissa in place: scaling by 2^(127-7) rebiases and normalises exactly
        IntVector value = magnitude.lanewise(VectorOperators.LSHL, 20)
                .reinterpretAsFloats().mul(0x1p120f).reinterpretAsInts().or(sign);
        return value.blend(Float.floatToRawIntBits(Float.NaN), magnitude.compare(VectorOperators.EQ, 0x7F))
                .reinterpretAsFloats();
    }
}
