package dev.requant.plugins.inc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.plugins.testing.Checkpoints;
import dev.requant.plugins.testing.RawCheckpoints.Raw;
import dev.requant.plugins.testing.RawCheckpoints;
import dev.requant.spi.Detection;
import dev.requant.spi.Encoding;
import dev.requant.spi.ModelSource;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layouts the fixtures do not cover, packed here from known codes: act-order, 3-bit codes ten to a
 * word with padded rows and columns, zero points of 0, int8/int16/int64 words, signed codes,
 * per-channel groups, bf16 and f16 scales in the native format.
 */
class IncSyntheticTest {
    private static final Map<String, QuantScheme> SCHEMES = Map.of(IncScheme.ID, new IncScheme());
    private static final IncReader READER = new IncReader();
    private static final String P = "model.layers.0.mlp.up_proj";

    @TempDir
    Path dir;

    /** A quantized layer from known codes: {@code value = (q - zero[g]) * scale[g]}. */
    private record Layer(int out, int in, int bits, int groupSize, int[][] q, int[][] zeros, float[][] scales,
                         int[] groupOf) {
        static Layer random(long seed, int out, int in, int bits, int groupSize, boolean sym, boolean actOrder,
                            boolean bf16) {
            Random rnd = new Random(seed);
            int groups = groupSize == -1 ? 1 : (in + groupSize - 1) / groupSize;
            int size = groupSize == -1 ? in : groupSize;
            int[] groupOf = new int[in];
            List<Integer> order = new ArrayList<>();
            for (int k = 0; k < in; k++) {
                order.add(k / size);
            }
            if (actOrder) {
                Collections.shuffle(order, rnd);
            }
            for (int k = 0; k < in; k++) {
                groupOf[k] = order.get(k);
            }
            int[][] q = new int[out][in];
            int[][] zeros = new int[out][groups];
            float[][] scales = new float[out][groups];
            int lo = sym ? -(1 << (bits - 1)) : 0;
            for (int r = 0; r < out; r++) {
                for (int k = 0; k < in; k++) {
                    q[r][k] = lo + rnd.nextInt(1 << bits);
                }
                for (int g = 0; g < groups; g++) {
                    zeros[r][g] = sym ? 0 : (r + g) % 5 == 0 ? 0 : rnd.nextInt(1 << bits);
                    float s = (float) (rnd.nextGaussian() / 50);
                    scales[r][g] = bf16 ? Float.intBitsToFloat(Float.floatToIntBits(s) & 0xFFFF0000)
                            : Float.float16ToFloat(Float.floatToFloat16(s));
                }
            }
            return new Layer(out, in, bits, groupSize, q, zeros, scales, groupOf);
        }

        float value(int r, int k) {
            int g = groupOf[k];
            return (q[r][k] - zeros[r][g]) * scales[r][g];
        }

        int groups() {
            return zeros[0].length;
        }
    }

    @Test
    void optimumWithActOrderAndZeroPointsOfZero() throws IOException {
        Layer l = Layer.random(1, 32, 64, 4, 32, false, true, false);
        Map<String, Raw> t = optimum(l);
        int[] gIdx = l.groupOf();
        ByteBuffer b = ByteBuffer.allocate(4 * l.in()).order(ByteOrder.LITTLE_ENDIAN);
        for (int g : gIdx) {
            b.putInt(g);
        }
        t.put(P + ".g_idx", new Raw("I32", new long[] {l.in()}, b.array()));
        assertDecodes(t, optimumConfig(4, 32, false), "config.json", l,
                "inc{act_order:true,bits:4,format:optimum,group:32,scale:f16,sym:false}");
    }

    @Test
    void optimumThreeBitsTenToAWordWithPaddedRowsAndColumns() throws IOException {
        Layer l = Layer.random(2, 40, 64, 3, 32, false, false, false);
        Map<String, Raw> t = optimum(l);
        t.put("model.norm.weight", new Raw("F16", new long[] {64}, new byte[128]));
        assertDecodes(t, optimumConfig(3, 32, false), "config.json", l,
                "inc{act_order:false,bits:3,format:optimum,group:32,scale:f16,sym:false}");
    }

    @Test
    void nativeAlongTheOutputInInt8WordsWithF16Scales() throws IOException {
        Layer l = Layer.random(3, 10, 48, 2, 16, false, false, false);
        Map<String, Raw> t = new LinkedHashMap<>();
        t.put(P + ".qweight", new Raw("I8", new long[] {3, 48}, pack(codes(l), l.bits(), 1, 0)));
        t.put(P + ".qzeros", new Raw("I8", new long[] {3, 3}, pack(l.zeros(), l.bits(), 1, 0)));
        t.put(P + ".scales", new Raw("F16", new long[] {10, 3}, RawCheckpoints.f16(flat(l.scales()))));
        assertDecodes(t, qconfig(2, 16, false, true), "qconfig.json", l,
                "inc{act_order:false,bits:2,dim:0,format:native,group:16,scale:f16,sym:false,word:i8}");
    }

    @Test
    void nativeSignedCodesInInt16WordsPerChannelWithBf16Scales() throws IOException {
        Layer l = Layer.random(4, 8, 40, 5, -1, true, false, true);
        Map<String, Raw> t = new LinkedHashMap<>();
        t.put(P + ".qweight", new Raw("I16", new long[] {8, 14}, pack(codes(l), l.bits(), 2, 1)));
        t.put(P + ".scales", new Raw("BF16", new long[] {8, 1}, bf16(flat(l.scales()))));
        t.put("model.layers.0.mlp.gate_proj.weight", new Raw("F16", new long[] {40, 64}, new byte[40 * 64 * 2]));
        assertDecodes(t, qconfig(5, -1, true, false), "qconfig.json", l,
                "inc{act_order:false,bits:5,dim:1,format:native,group:-1,scale:bf16,sym:true,word:i16}");
    }

    @Test
    void nativeActOrderInInt64Words() throws IOException {
        Layer l = Layer.random(5, 6, 50, 3, 25, false, true, false);
        Map<String, Raw> t = new LinkedHashMap<>();
        t.put(P + ".qweight", new Raw("I64", new long[] {6, 3}, pack(codes(l), l.bits(), 8, 1)));
        t.put(P + ".qzeros", new Raw("I64", new long[] {6, 1}, pack(l.zeros(), l.bits(), 8, 1)));
        t.put(P + ".scales", new Raw("F32", new long[] {6, 2}, f32(flat(l.scales()))));
        ByteBuffer b = ByteBuffer.allocate(4 * l.in()).order(ByteOrder.LITTLE_ENDIAN);
        for (int g : l.groupOf()) {
            b.putInt(g);
        }
        t.put(P + ".g_idx", new Raw("I32", new long[] {l.in()}, b.array()));
        assertDecodes(t, qconfig(3, 25, false, true), "qconfig.json", l,
                "inc{act_order:true,bits:3,dim:1,format:native,group:25,scale:f32,sym:false,word:i64}");
    }

    private void assertDecodes(Map<String, Raw> tensors, String config, String configName, Layer l, String type)
            throws IOException {
        RawCheckpoints.write(dir.resolve("model.safetensors"), tensors, "pt");
        Files.writeString(dir.resolve(configName), config);
        assertThat(READER.detect(dir, Checkpoints.CONTEXT)).isEqualTo(Detection.LAYOUT);
        try (ModelSource m = READER.open(dir, Checkpoints.CONTEXT)) {
            SourceTensor w = m.tensors().stream().filter(t -> t.name().equals(P + ".weight")).findFirst().orElseThrow();
            assertThat(((Encoding) w.info().type()).id()).isEqualTo(type);
            assertThat(w.info().shape().dims()).containsExactly(l.out(), l.in());
            float[] got = RawCheckpoints.decode(w, SCHEMES);
            for (int r = 0; r < l.out(); r++) {
                for (int k = 0; k < l.in(); k++) {
                    assertThat(got[r * l.in() + k]).as("[%d][%d]", r, k).isEqualTo(l.value(r, k));
                }
            }
            // any row range decodes alike, also one that starts inside a packed word
            float[] part = new float[3 * l.in()];
            new IncScheme().decode((dev.requant.spi.StoredTensor) w, 1, 3, part, 0);
            for (int i = 0; i < part.length; i++) {
                assertThat(part[i]).isEqualTo(got[l.in() + i]);
            }
        }
    }

    /** The GPTQ-compatible tensors: codes packed along the input, zero points minus one along the output. */
    private static Map<String, Raw> optimum(Layer l) {
        int n = 32 / l.bits();
        int mask = (1 << l.bits()) - 1;
        int[][] codesT = new int[l.in()][l.out()];
        for (int r = 0; r < l.out(); r++) {
            for (int k = 0; k < l.in(); k++) {
                codesT[k][r] = l.q()[r][k];
            }
        }
        int groups = l.groups();
        int[][] zerosT = new int[groups][l.out()];
        float[] scalesT = new float[groups * l.out()];
        for (int g = 0; g < groups; g++) {
            for (int r = 0; r < l.out(); r++) {
                zerosT[g][r] = (l.zeros()[r][g] - 1) & mask;
                scalesT[g * l.out() + r] = l.scales()[r][g];
            }
        }
        Map<String, Raw> t = new LinkedHashMap<>();
        t.put(P + ".qweight", new Raw("I32", new long[] {(l.in() + n - 1) / n, l.out()}, pack(codesT, l.bits(), 4, 0)));
        t.put(P + ".qzeros", new Raw("I32", new long[] {groups, (l.out() + n - 1) / n}, pack(zerosT, l.bits(), 4, 1)));
        t.put(P + ".scales", new Raw("F16", new long[] {groups, l.out()}, RawCheckpoints.f16(scalesT)));
        t.put(P + ".bias", new Raw("F16", new long[] {l.out()}, new byte[2 * l.out()]));
        t.put(P + ".scale_bf16_to_fp8", new Raw("BF16", new long[] {1}, new byte[2]));
        return t;
    }

    /**
     * Packs a matrix of codes {@code [R][C]} into little-endian words of {@code wordBytes}, as many
     * codes per word as fit, lowest bits first: along the rows ({@code axis} 0, giving
     * {@code [ceil(R/n), C]}) or along the columns ({@code axis} 1, giving {@code [R, ceil(C/n)]}).
     */
    private static byte[] pack(int[][] m, int bits, int wordBytes, int axis) {
        int n = 8 * wordBytes / bits;
        int rows = m.length;
        int cols = m[0].length;
        int outRows = axis == 0 ? (rows + n - 1) / n : rows;
        int outCols = axis == 0 ? cols : (cols + n - 1) / n;
        byte[] out = new byte[outRows * outCols * wordBytes];
        BigInteger mask = BigInteger.ONE.shiftLeft(bits).subtract(BigInteger.ONE);
        for (int i = 0; i < outRows; i++) {
            for (int j = 0; j < outCols; j++) {
                BigInteger word = BigInteger.ZERO;
                for (int e = 0; e < n; e++) {
                    int r = axis == 0 ? i * n + e : i;
                    int c = axis == 0 ? j : j * n + e;
                    if (r < rows && c < cols) {
                        word = word.or(BigInteger.valueOf(m[r][c]).and(mask).shiftLeft(e * bits));
                    }
                }
                byte[] big = word.toByteArray();
                for (int k = 0; k < wordBytes && k < big.length; k++) {
                    out[(i * outCols + j) * wordBytes + k] = big[big.length - 1 - k];
                }
            }
        }
        return out;
    }

    private static int[][] codes(Layer l) {
        return l.q();
    }

    private static float[] flat(float[][] m) {
        float[] out = new float[m.length * m[0].length];
        for (int r = 0; r < m.length; r++) {
            System.arraycopy(m[r], 0, out, r * m[0].length, m[0].length);
        }
        return out;
    }

    private static byte[] bf16(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putShort((short) (Float.floatToIntBits(x) >>> 16));
        }
        return b.array();
    }

    private static byte[] f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            b.putFloat(x);
        }
        return b.array();
    }

    private static String optimumConfig(int bits, int group, boolean sym) {
        return "{\"model_type\": \"llama\", \"quantization_config\": {\"bits\": " + bits + ", \"group_size\": " + group
                + ", \"sym\": " + sym + ", \"desc_act\": false, \"quant_method\": \"gptq\"}}";
    }

    /** A 3.x qconfig.json entry, or a 2.x one ({@code scheme}, module name as key) when {@code old}. */
    private static String qconfig(int bits, int group, boolean sym, boolean old) {
        if (old) {
            return "{\"" + P + "\": {\"dtype\": \"int\", \"bits\": " + bits + ", \"group_size\": " + group
                    + ", \"scheme\": \"" + (sym ? "sym" : "asym") + "\"}}";
        }
        return "{\"('" + P + "', 'Linear')\": {\"rtn\": {\"dtype\": \"int\", \"bits\": " + bits + ", \"use_sym\": " + sym
                + ", \"group_size\": " + group + ", \"group_dim\": 1}}}";
    }
}
