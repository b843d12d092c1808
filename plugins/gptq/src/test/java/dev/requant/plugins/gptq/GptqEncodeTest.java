package dev.requant.plugins.gptq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.kernels.intpack.IntPacking;
import dev.requant.plugins.support.FloatParts;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.Shape;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.Transcoder;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * GPTQ encoding and the q4_0/q4_1 transcoders: fixtures re-encode to their stored bytes, chunks
 * encode as the whole tensor does, the round-to-nearest rule, and transcodes that decode to the
 * same values.
 */
class GptqEncodeTest {
    private static final GptqReader READER = new GptqReader();
    private static final GptqScheme SCHEME = new GptqScheme();

    static Stream<String> fixturesWithoutActOrder() throws IOException {
        try (Stream<Path> s = Files.list(Checkpoints.FIXTURES)) {
            List<String> names = s.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith("gptq_") && !n.contains("_act")).sorted().toList();
            assertThat(names).hasSize(7);
            return names.stream();
        }
    }

    /**
     * The fixture's dequantized values, encoded with its stored scales and zero points, give back
     * its qweight, qzeros, scales and g_idx byte for byte: codes, packing, v1/v2 zero storage
     * (the v1 borrow included) and g_idx are the tool's.
     */
    @ParameterizedTest
    @MethodSource("fixturesWithoutActOrder")
    void fixturesReEncodeToTheirStoredBytesWithTheirScalesAndZeros(String fixture) throws IOException {
        Path dir = Checkpoints.fixture(fixture);
        Map<String, float[]> expected = Checkpoints.expected(dir);
        int layers = 0;
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            for (SourceTensor t : m.tensors()) {
                if (t.info().type() instanceof Encoding && t instanceof StoredTensor s) {
                    GptqParams p = GptqParams.of(s.info());
                    MemorySegment[] parts = encode(s.info(), storedRule(s, p), expected.get(s.name()), s.info().shape().rows());
                    assertSameParts(fixture, s, parts);
                    layers++;
                }
            }
        }
        assertThat(layers).isEqualTo(14);
    }

    /**
     * Round-to-nearest with scales and zero points recomputed from the dequantized values: which
     * fixtures come back byte for byte. Asymmetric 2-, 3- and 4-bit groups span their full code
     * range, so min and max give back the scale (after its f16 rounding) and the zero point;
     * symmetric groups do not (the largest magnitude is {@code -2^(bits-1) s}, which gives a larger
     * scale), nor one edge-case group of the 8-bit asymmetric fixture (see its entry).
     */
    @Test
    void recomputedParametersGiveBackTheAsymmetricFixtures() throws IOException {
        Map<String, String> same = new TreeMap<>();
        for (String fixture : fixturesWithoutActOrder().toList()) {
            Path dir = Checkpoints.fixture(fixture);
            Map<String, float[]> expected = Checkpoints.expected(dir);
            java.util.Set<String> differ = new java.util.TreeSet<>();
            try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
                for (SourceTensor t : m.tensors()) {
                    if (t.info().type() instanceof Encoding && t instanceof StoredTensor s) {
                        GptqParams p = GptqParams.of(s.info());
                        MemorySegment[] parts = encode(s.info(), GptqEncoder.roundToNearest(p), expected.get(s.name()),
                                s.info().shape().rows());
                        for (int i = 0; i < 3; i++) {
                            if (parts[i].mismatch(s.parts().get(i).data()) != -1) {
                                differ.add(s.parts().get(i).role());
                            }
                        }
                    }
                }
            }
            same.put(fixture, differ.isEmpty() ? "same" : "differs in " + differ);
        }
        assertThat(same).containsExactlyInAnyOrderEntriesOf(Map.of(
                "gptq_v1_3bit_g32_asym", "same",
                "gptq_v2_2bit_g32_asym", "same",
                "gptq_v2_4bit_g64_asym", "same",
                "gptq_v1_4bit_g128_sym", "differs in [qweight, scales]",
                "gptq_v2_4bit_g32_sym_partial", "differs in [qweight, scales]",
                "gptq_v1_8bit_gch_sym", "differs in [qweight, scales]",
                // one group only (layer 0 up_proj, row 55, group 0: the fixture's edge row, extremes of equal
                // magnitude): its dequantized range is narrower than the range it was quantized from, so
                // min-max gives a smaller scale (and the zero point 127.5 rounds to 128, not the stored 127)
                "gptq_v1_8bit_g64_asym", "differs in [qweight, qzeros, scales]"));
    }

    /** Rows encoded a chunk at a time and placed as the host places column parts equal the whole tensor's encoding. */
    @ParameterizedTest
    @ValueSource(strings = {"bits:4,group:32,sym:false", "bits:3,group:-1,sym:true,format:v2", "bits:2,group:16,sym:false",
            "bits:8,group:64,sym:true", "bits:4,group:32,pad:true,sym:false"})
    void chunksEncodeAsTheWholeTensor(String params) {
        Encoding e = SCHEME.encoding(params(params));
        int in = params.contains("pad") ? 136 : 128;
        TensorInfo info = new TensorInfo("w", Shape.of(64, in), e);
        float[] w = random(64 * in, 1);
        MemorySegment[] whole = encode(info, GptqEncoder.roundToNearest(GptqParams.of(info)), w, 64);
        int step = SCHEME.rowAlignment(info);
        List<PartSpec> layout = SCHEME.layout(info);
        MemorySegment[] placed = allocate(layout);
        for (int first = 0; first < 64; first += step) {
            TensorInfo chunk = new TensorInfo("w", Shape.of(step, in), e);
            MemorySegment[] parts = allocate(SCHEME.layout(chunk));
            SCHEME.encoder(info).encode(w, first * in, first, step, parts);
            for (int i = 0; i < 3; i++) {
                placeColumns(parts[i], placed[i], layout.get(i), first * layout.get(i).shape().dim(1) / 64);
            }
            placed[3].copyFrom(parts[3]);
        }
        for (int i = 0; i < 4; i++) {
            assertThat(placed[i].mismatch(whole[i])).as("%s %s", params, layout.get(i).role()).isEqualTo(-1);
        }
    }

    /** Encoded values decode to {@code (q - z) * fp16(s)} with q, s, z as GPTQModel's quantizer chooses them. */
    @ParameterizedTest
    @ValueSource(strings = {"bits:4,group:32,sym:false,format:v1", "bits:4,group:32,sym:true,format:v1",
            "bits:3,group:32,sym:false,format:v1", "bits:2,group:-1,sym:false,format:v2", "bits:8,group:64,sym:false"})
    void decodesToTheQuantizersValues(String params) {
        TensorInfo info = new TensorInfo("w", Shape.of(32, 128), SCHEME.encoding(params(params)));
        GptqParams p = GptqParams.of(info);
        float[] w = random(32 * 128, 2);
        // a group of zeros and one of a single sign, the quantizer's special ranges
        java.util.Arrays.fill(w, 0, p.groupSize(128), 0f);
        for (int k = 128; k < 128 + p.groupSize(128); k++) {
            w[k] = Math.abs(w[k]);
        }
        StoredTensor stored = stored(info, encode(info, GptqEncoder.roundToNearest(p), w, 32));
        float[] decoded = new float[w.length];
        SCHEME.decode(stored, 0, 32, decoded, 0);
        int gs = p.groupSize(128);
        int[] codes = new int[gs];
        for (int r = 0; r < 32; r++) {
            for (int start = 0; start < 128; start += gs) {
                int at = r * 128 + start;
                float scale = GptqQuantizer.scale(w, at, gs, p.maxq(), p.sym());
                int zero = GptqQuantizer.zero(w, at, gs, p.maxq(), p.sym(), scale);
                GptqQuantizer.quantize(w, at, gs, scale, zero, p.maxq(), codes, 0);
                float s16 = Float.float16ToFloat(Float.floatToFloat16(scale));
                for (int i = 0; i < gs; i++) {
                    assertThat(decoded[at + i]).as("%s row %d col %d", params, r, start + i)
                            .isEqualTo((codes[i] - zero) * s16);
                }
            }
        }
        // an all-zero group takes the range [-1, 1]: zero point maxq/2 rounded (asym) or the midpoint (sym)
        assertThat(decoded[0]).isEqualTo(0f);
    }

    @Test
    void symmetricFourBitZerosAreStoredAsGptqModelStoresThem() {
        for (String format : new String[] {"v1", "v2"}) {
            TensorInfo info = new TensorInfo("w", Shape.of(8, 32), SCHEME.encoding(Map.of("group", "32", "format", format)));
            MemorySegment[] parts = encode(info, GptqEncoder.roundToNearest(GptqParams.of(info)), random(256, 3), 8);
            assertThat(parts[1].get(dev.requant.kernels.Layouts.I32, 0)).isEqualTo(format.equals("v1") ? 0x77777777 : 0x88888888);
        }
    }

    /**
     * Symmetric 4-bit fixtures with groups of whole 32-blocks become q4_0 (and q4_1) decoding (our
     * q4 codecs) to exactly the values the GPTQ decoder gives; the asymmetric one becomes q4_1,
     * exactly where every {@code -s*z} is an f16, else within the transcoder's stated bound.
     */
    @ParameterizedTest
    @ValueSource(strings = {"gptq_v1_4bit_g128_sym:q4_0", "gptq_v2_4bit_g32_sym_partial:q4_0", "gptq_v2_4bit_g64_asym:q4_1",
            "gptq_v1_4bit_g128_sym:q4_1"})
    void q4TranscodesDecodeToTheSameValuesOrWithinTheirBound(String spec) throws IOException {
        String fixture = spec.split(":")[0];
        GgmlType type = spec.endsWith("q4_0") ? GgmlType.Q4_0 : GgmlType.Q4_1;
        int transcoded = 0;
        List<String> refused = new ArrayList<>();
        List<String> lossy = new ArrayList<>();
        try (ModelSource m = READER.open(Checkpoints.fixture(fixture), Checkpoints.CONTEXT)) {
            for (SourceTensor t : m.tensors()) {
                if (!(t.info().type() instanceof Encoding) || !(t instanceof StoredTensor s)) {
                    continue;
                }
                TensorInfo target = s.info().withType(Encoding.of(type.typeName()));
                Optional<Transcoder> tc = SCHEME.transcoder(s, target);
                if (tc.isEmpty()) {
                    refused.add(s.name() + " " + s.info().shape());
                    continue;
                }
                int out = (int) s.info().shape().rows();
                int in = (int) s.info().shape().rowLength();
                MemorySegment blocks = Arena.ofAuto().allocate((long) out * in / 32 * type.typeSize());
                for (int first = 0; first < out; first += 8) {
                    tc.get().transcode(s, first, 8, new MemorySegment[] {
                            blocks.asSlice((long) first * in / 32 * type.typeSize(), 8L * in / 32 * type.typeSize())});
                }
                float[] viaGgml = new float[out * in];
                Kernels.ggml(type).orElseThrow().dequantize(blocks, 0, viaGgml, 0, out * in);
                float[] viaGptq = new float[out * in];
                SCHEME.decode(s, 0, out, viaGptq, 0);
                if (tc.get().exact()) {
                    assertThat(tc.get().maxError()).isZero();
                    for (int i = 0; i < viaGptq.length; i++) {
                        assertThat(Float.floatToRawIntBits(viaGgml[i])).as("%s %s value %d", fixture, s.name(), i)
                                .isEqualTo(Float.floatToRawIntBits(viaGptq[i]));
                    }
                    transcoded++;
                } else {
                    double worst = 0;
                    for (int i = 0; i < viaGptq.length; i++) {
                        worst = Math.max(worst, Math.abs((double) viaGgml[i] - viaGptq[i]));
                    }
                    assertThat(worst).as("%s %s", fixture, s.name()).isGreaterThan(0).isLessThanOrEqualTo(tc.get().maxError());
                    lossy.add(s.name());
                }
            }
        }
        switch (spec) {
            // the partial fixture's down_proj has 136 inputs: no whole number of 32-blocks
            case "gptq_v2_4bit_g32_sym_partial:q4_0" -> {
                assertThat(transcoded).isEqualTo(12);
                assertThat(refused).containsExactly("model.layers.0.mlp.down_proj.weight [64, 136]",
                        "model.layers.1.mlp.down_proj.weight [64, 136]");
            }
            // asymmetric groups: -s*z (z up to 15) often needs more than f16's 11 significant bits
            case "gptq_v2_4bit_g64_asym:q4_1" -> {
                assertThat(transcoded + lossy.size()).isEqualTo(14);
                assertThat(lossy).isNotEmpty();
            }
            default -> {
                assertThat(transcoded).isEqualTo(14);
                assertThat(lossy).isEmpty();
            }
        }
    }

    @Test
    void asymmetricGptqIsNoQ4_0AndAnUnrepresentableMinimumIsLossyQ4_1() throws IOException {
        try (ModelSource m = READER.open(Checkpoints.fixture("gptq_v2_4bit_g64_asym"), Checkpoints.CONTEXT)) {
            StoredTensor s = (StoredTensor) m.tensors().stream().filter(t -> t.info().type() instanceof Encoding)
                    .findFirst().orElseThrow();
            assertThat(SCHEME.transcoder(s, s.info().withType(Encoding.of("q4_0")))).isEmpty();
        }
        // scale 1 + 2^-10 (an f16) times zero 3 needs 12 significant bits: -s*z is no f16
        TensorInfo info = new TensorInfo("w", Shape.of(8, 32), SCHEME.encoding(Map.of("group", "32", "sym", "false")));
        float scale = 1 + 0x1p-10f;
        StoredTensor s = stored(info, encode(info, (row, g, x, o, c) -> new GptqEncoder.Group(scale, 3), random(256, 4), 8));
        Transcoder tc = SCHEME.transcoder(s, info.withType(Encoding.of("q4_1"))).orElseThrow();
        assertThat(tc.exact()).isFalse();
        assertThat(tc.maxError()).isGreaterThan(0).isLessThan(0x1p-8);
        assertThat(SCHEME.transcoder(s, info.withType(Encoding.of("q8_0")))).isEmpty();
    }

    private static GptqEncoder.GroupRule storedRule(StoredTensor s, GptqParams p) {
        int out = (int) s.info().shape().rows();
        TensorPart scalesPart = s.part(GptqParts.SCALES);
        int groups = (int) scalesPart.spec().shape().dim(0);
        float[] scales = new float[groups * out];
        FloatParts.read(scalesPart, 0, scales, 0, scales.length);
        int[] zeros = new int[groups * out];
        GptqZeroPoints.read(s.part(GptqParts.QZEROS), p, IntPacking.stream(p.bits()), 0, out, zeros);
        return (row, g, x, o, c) -> new GptqEncoder.Group(scales[g * out + (int) row], zeros[g * out + (int) row]);
    }

    private static void assertSameParts(String fixture, StoredTensor s, MemorySegment[] parts) {
        for (TensorPart stored : s.parts()) {
            int i = GptqParts.ROLES.indexOf(stored.role());
            assertThat(parts[i].byteSize()).isEqualTo(stored.data().byteSize());
            assertThat(parts[i].mismatch(stored.data())).as("%s %s %s: first differing byte", fixture, s.name(), stored.role())
                    .isEqualTo(-1);
        }
    }

    static MemorySegment[] encode(TensorInfo info, GptqEncoder.GroupRule rule, float[] w, long rows) {
        MemorySegment[] parts = allocate(SCHEME.layout(info));
        new GptqEncoder(GptqParams.of(info), (int) info.shape().rowLength(), rule).encode(w, 0, 0, (int) rows, parts);
        return parts;
    }

    private static StoredTensor stored(TensorInfo info, MemorySegment[] parts) {
        List<PartSpec> layout = SCHEME.layout(info);
        List<TensorPart> list = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            list.add(new TensorPart(layout.get(i), parts[i]));
        }
        return new StoredTensor(info, list);
    }

    private static MemorySegment[] allocate(List<PartSpec> layout) {
        return layout.stream().map(p -> Arena.ofAuto().allocate(Math.max(1, p.byteSize()))
                .asSlice(0, p.byteSize())).toArray(MemorySegment[]::new);
    }

    /** Copies a chunk's column part into the whole part at column {@code column}, row by row. */
    private static void placeColumns(MemorySegment chunk, MemorySegment whole, PartSpec spec, long column) {
        long rows = spec.shape().dim(0);
        long width = spec.shape().dim(1);
        long elem = spec.dtype().bits() / 8;
        long chunkWidth = chunk.byteSize() / elem / rows;
        for (long r = 0; r < rows; r++) {
            MemorySegment.copy(chunk, r * chunkWidth * elem, whole, (r * width + column) * elem, chunkWidth * elem);
        }
    }

    private static Map<String, String> params(String text) {
        Map<String, String> m = new TreeMap<>();
        for (String kv : text.split(",")) {
            String[] p = kv.split(":");
            m.put(p[0], p[1]);
        }
        return m;
    }

    private static float[] random(int n, long seed) {
        Random r = new Random(seed);
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = (float) (r.nextGaussian() * 0.05);
        }
        return w;
    }
}
