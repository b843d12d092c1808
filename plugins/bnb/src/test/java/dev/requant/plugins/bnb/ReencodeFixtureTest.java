package dev.requant.plugins.bnb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Kernels;
import dev.requant.kernels.Layouts;
import dev.requant.kernels.bnb.FourBitCode;
import dev.requant.plugins.support.JsonValues;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.TensorEncoder;
import dev.requant.spi.TensorInfo;
import dev.requant.spi.TensorPart;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Encoding gives back what the fixtures store. From the weights before quantization (the fixture's
 * {@code _source}), every part of every quantized weight is the stored one byte for byte (the
 * quant_state's JSON up to the trailing spaces that keep its planned length). From the dequantized
 * weights (expected.safetensors) the parts that the dequantization determines come back; what
 * does not, and why, is stated by {@link #fromDequantized}.
 */
class ReencodeFixtureTest {
    private static final Map<String, QuantScheme> SCHEMES = Map.of("bnb_nf4", new BnbNf4Scheme(), "bnb_fp4",
            new BnbFp4Scheme(), "bnb_int8", new BnbInt8Scheme());

    static Stream<String> fixtures() throws IOException {
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(Checkpoints.FIXTURES)) {
            s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("bnb_")).sorted().forEach(names::add);
        }
        assertThat(names).hasSizeGreaterThanOrEqualTo(8);
        return names.stream();
    }

    @ParameterizedTest
    @MethodSource("fixtures")
    void fromTheSourceWeightsEveryPartIsTheStoredOne(String fixture) throws IOException {
        Path dir = Checkpoints.fixture(fixture);
        String source = (String) ((Map<?, ?>) JsonValues.parseObject(Files.readAllBytes(dir.resolve("manifest.json"))))
                .get("source_file");
        int weights = 0;
        try (ModelSource model = new BnbReader().open(dir, Checkpoints.CONTEXT);
             ModelSource src = Checkpoints.CONTEXT.open("safetensors", dir.resolve(source).normalize())) {
            for (StoredTensor stored : quantized(model)) {
                Map<String, byte[]> made = encode(stored.info(), values(src, stored.name()));
                assertSameParts(stored, made, fixture + " " + stored.name());
                weights++;
            }
        }
        assertThat(weights).isEqualTo(14);
    }

    /**
     * The stories260K NF4 checkpoint (double quantization, block 64) from the F32 model it was made
     * of, each weight rounded to f16 first (its quant_states say float16): every part of its 35
     * linear weights is the stored one.
     */
    @Test
    void storiesFromItsF32ModelRoundedToF16() throws IOException {
        Path dir = Checkpoints.fixture("hf/stories260K_bnb_nf4_dq");
        int weights = 0;
        try (ModelSource model = new BnbReader().open(dir, Checkpoints.CONTEXT);
             ModelSource src = Checkpoints.CONTEXT.open("safetensors", Checkpoints.fixture("hf/stories260K-hf"))) {
            for (StoredTensor stored : quantized(model)) {
                float[] values = values(src, stored.name());
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.float16ToFloat(Float.floatToFloat16(values[i]));
                }
                assertSameParts(stored, encode(stored.info(), values), "stories " + stored.name());
                weights++;
            }
        }
        assertThat(weights).isEqualTo(35);
    }

    /**
     * From the dequantized weights: LLM.int8 and NF4 without double quantization come back whole;
     * FP4 loses the sign of its -0 codes (code 8 dequantizes to -0.0, which {@code x < 0} does not
     * see, so it becomes code 0); with double quantization the absmax values come back (each block's
     * largest code is +-1, so its largest value is the dequantized absmax times 1) but their mean
     * is not the original one, so the offset, the nested absmax and some absmax codes differ. The
     * absmax recomputed from the dequantized values is the decoded one bit for bit, and with it the
     * 4-bit codes come back (FP4's -0 aside).
     */
    @ParameterizedTest
    @MethodSource("fixtures")
    void fromDequantized(String fixture) throws IOException {
        Path dir = Checkpoints.fixture(fixture);
        Map<String, Integer> differing = new TreeMap<>();
        try (ModelSource model = new BnbReader().open(dir, Checkpoints.CONTEXT);
             ModelSource expected = Checkpoints.CONTEXT.open("safetensors", dir.resolve("expected.safetensors"))) {
            for (StoredTensor stored : quantized(model)) {
                float[] dequantized = values(expected, stored.name());
                Map<String, byte[]> made = encode(stored.info(), dequantized);
                for (TensorPart p : stored.parts()) {
                    if (!java.util.Arrays.equals(trimmed(p.role(), made.get(p.role())), trimmed(p.role(),
                            p.data().toArray(ValueLayout.JAVA_BYTE)))) {
                        differing.merge(p.role(), 1, Integer::sum);
                    }
                }
                if (stored.info().type() instanceof Encoding e && !e.scheme().equals(BnbSchemeIds.INT8)) {
                    assertCodesFromStoredAbsmax(stored, dequantized, e);
                }
            }
        }
        Encoding any = (Encoding) firstType(fixture);
        boolean fp4 = any.scheme().equals("bnb_fp4");
        boolean nested = any.param("double_quant", "false").equals("true");
        System.out.println("[bnb] " + fixture + " re-encoded from its dequantized weights: parts that differ "
                + differing);
        assertThat(differing.containsKey(FourBitTensor.WEIGHT)).as("codes").isEqualTo(fp4);
        if (fp4) {
            assertThat(differing.get(FourBitTensor.WEIGHT)).isEqualTo(14);
        }
        if (nested) {
            assertThat(differing).containsEntry(FourBitTensor.NESTED_ABSMAX, 14).containsEntry(FourBitTensor.QUANT_STATE, 14);
            assertThat(differing.keySet()).isSubsetOf(FourBitTensor.WEIGHT, FourBitTensor.ABSMAX,
                    FourBitTensor.NESTED_ABSMAX, FourBitTensor.QUANT_STATE);
        } else {
            assertThat(differing.keySet()).isSubsetOf(FourBitTensor.WEIGHT);
        }
    }

    private static TensorType firstType(String fixture) throws IOException {
        try (ModelSource model = new BnbReader().open(Checkpoints.fixture(fixture), Checkpoints.CONTEXT)) {
            return quantized(model).getFirst().info().type();
        }
    }

    /**
     * The absmax recomputed from the dequantized values is the stored one as decoded, bit for bit,
     * and with it the 4-bit codes are the stored ones but FP4's -0 (code 8, then 0).
     */
    private static void assertCodesFromStoredAbsmax(StoredTensor stored, float[] dequantized, Encoding e) {
        FourBitCode code = e.scheme().equals("bnb_nf4") ? FourBitCode.NF4 : FourBitCode.FP4;
        int block = Integer.parseInt(e.param("block", "64"));
        int n = dequantized.length;
        FourBitTensor t = FourBitTensor.of(stored);
        float[] absmax = new float[Math.ceilDiv(n, block)];
        decodeAbsmax(t, absmax);
        float[] recomputed = new float[absmax.length];
        Kernels.bnbEncode().absmax(dequantized, 0, n, block, recomputed, 0);
        assertThat(recomputed).as(stored.name() + " absmax").containsExactly(absmax);
        MemorySegment packed = MemorySegment.ofArray(new byte[(n + 1) / 2]);
        Kernels.bnbEncode().quantize4bit(code, dequantized, 0, n, absmax, block, packed, 0);
        byte[] want = t.weight().data().toArray(ValueLayout.JAVA_BYTE);
        byte[] got = packed.toArray(ValueLayout.JAVA_BYTE);
        for (int i = 0; i < n; i++) {
            int w = (want[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF;
            int g = (got[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF;
            if (w != g) {
                assertThat(code == FourBitCode.FP4 && w == 8 && g == 0).as("%s value %d: code %d, stored %d",
                        stored.name(), i, g, w).isTrue();
            }
        }
    }

    private static void decodeAbsmax(FourBitTensor t, float[] absmax) {
        if (t.state().nested().isPresent()) {
            float[] map = new float[256];
            MemorySegment.copy(t.nestedQuantMap().orElseThrow().data(), Layouts.F32, 0, map, 0, 256);
            QuantState.Nested nested = t.state().nested().get();
            Kernels.bnb().dequantizeAbsmax(t.absmax().data(), 0, absmax.length, map, t.nestedAbsmax().orElseThrow().data(),
                    nested.blockSize(), nested.offset(), absmax, 0);
        } else {
            MemorySegment.copy(t.absmax().data(), Layouts.F32, 0, absmax, 0, absmax.length);
        }
    }

    private static List<StoredTensor> quantized(ModelSource model) {
        return model.tensors().stream().filter(t -> t.info().type() instanceof Encoding)
                .map(StoredTensor.class::cast).toList();
    }

    private static float[] values(ModelSource source, String name) {
        SourceTensor t = source.tensors().stream().filter(x -> x.name().equals(name)).findFirst().orElseThrow();
        MemorySegment data = ((StoredTensor) t).parts().getFirst().data();
        float[] v = new float[Math.toIntExact(t.info().shape().numel())];
        Kernels.elements().readF32(data, 0, v, 0, v.length);
        return v;
    }

    /** Every part of a tensor encoded whole, as the executor does with one chunk: prepass, encode, finish. */
    static Map<String, byte[]> encode(TensorInfo info, float[] values) {
        QuantScheme scheme = SCHEMES.get(((Encoding) info.type()).scheme());
        List<PartSpec> layout = scheme.layout(info);
        TensorEncoder encoder = scheme.encoder(info);
        int rows = Math.toIntExact(info.shape().rows());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment[] out = new MemorySegment[layout.size()];
            MemorySegment[] whole = new MemorySegment[layout.size()];
            for (int p = 0; p < out.length; p++) {
                out[p] = arena.allocate(Math.max(1, layout.get(p).byteSize())).asSlice(0, layout.get(p).byteSize());
                if (layout.get(p).rows() == PartSpec.Rows.NONE) {
                    whole[p] = arena.allocate(Math.max(1, layout.get(p).byteSize())).asSlice(0, layout.get(p).byteSize());
                }
            }
            if (encoder.needsPrepass()) {
                encoder.observe(values, 0, 0, rows);
            }
            encoder.encode(values, 0, 0, rows, out);
            encoder.finish(whole);
            Map<String, byte[]> parts = new LinkedHashMap<>();
            for (int p = 0; p < out.length; p++) {
                MemorySegment s = whole[p] != null ? whole[p] : out[p];
                parts.put(layout.get(p).role(), s.toArray(ValueLayout.JAVA_BYTE));
            }
            return parts;
        }
    }

    static void assertSameParts(StoredTensor stored, Map<String, byte[]> made, String what) {
        assertThat(made.keySet()).as(what).containsExactlyElementsOf(
                stored.parts().stream().map(TensorPart::role).toList());
        for (TensorPart p : stored.parts()) {
            byte[] want = p.data().toArray(ValueLayout.JAVA_BYTE);
            assertThat(trimmed(p.role(), made.get(p.role()))).as(what + " " + p.role())
                    .isEqualTo(trimmed(p.role(), want));
        }
    }

    /** The quant_state without the spaces after its JSON; other parts as they are. */
    private static byte[] trimmed(String role, byte[] bytes) {
        if (!role.equals(FourBitTensor.QUANT_STATE)) {
            return bytes;
        }
        return new String(bytes, StandardCharsets.UTF_8).stripTrailing().getBytes(StandardCharsets.UTF_8);
    }
}
