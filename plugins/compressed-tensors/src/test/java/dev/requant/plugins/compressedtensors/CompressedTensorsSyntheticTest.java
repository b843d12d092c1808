package dev.requant.plugins.compressedtensors;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.kernels.Fp;
import dev.requant.plugins.testing.Checkpoints.Tensor;
import dev.requant.plugins.testing.Checkpoints;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The layouts no fixture has, written here from their description and checked against the formula
 * computed plainly: int-quantized and naive-quantized int8 weights with channel and tensor scales,
 * packed channel-strategy zero points, 3-bit word-aligned codes, and activation ordering.
 */
class CompressedTensorsSyntheticTest {
    private static final CompressedTensorsReader READER = new CompressedTensorsReader();
    private static final CompressedTensorsScheme SCHEME = new CompressedTensorsScheme();
    private static final String P = "model.layers.0.mlp.down_proj.";
    private static final int OUT = 24;
    private static final int IN = 40;

    @TempDir
    Path dir;

    private final SplittableRandom rnd = new SplittableRandom(11);

    /** A checkpoint of one quantized layer and one plain norm, with the config given. */
    private Path checkpoint(String config, List<Tensor> layer) throws IOException {
        List<Tensor> all = new ArrayList<>(layer);
        all.add(new Tensor("model.norm.weight", ElementType.F32, new long[] {4}, new byte[16]));
        Checkpoints.write(dir.resolve("model.safetensors"), all);
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"llama\", \"quantization_config\": " + config + "}");
        return dir;
    }

    private static String config(String format, int bits, String strategy, Integer group, boolean sym, String actorder) {
        return "{\"quant_method\": \"compressed-tensors\", \"format\": \"" + format + "\", \"quantization_status\":"
                + " \"compressed\", \"config_groups\": {\"group_0\": {\"targets\": [\"Linear\"], \"weights\": {"
                + "\"num_bits\": " + bits + ", \"type\": \"int\", \"symmetric\": " + sym + ", \"strategy\": \""
                + strategy + "\", \"group_size\": " + group + ", \"actorder\": " + actorder + "}}},"
                + " \"ignore\": [\"lm_head\"]}";
    }

    private float[] decoded(Path checkpoint, String expectedId) throws IOException {
        try (ModelSource m = READER.open(checkpoint, Checkpoints.CONTEXT)) {
            SourceTensor t = m.tensors().stream().filter(x -> x.name().equals(P + "weight")).findFirst().orElseThrow();
            assertThat(t.info().type().id()).isEqualTo(expectedId);
            assertThat(t.info().shape().dims()).containsExactly(OUT, IN);
            assertThat(m.tensors()).extracting(SourceTensor::name).containsExactly(P + "weight", "model.norm.weight");
            float[] oneByOne = Checkpoints.decode(t, SCHEME, 1);
            float[] all = Checkpoints.decode(t, SCHEME, OUT);
            assertThat(Checkpoints.firstDifference(all, oneByOne)).isEqualTo(-1);
            return all;
        }
    }

    @Test
    void int8ChannelAsymmetric() throws IOException {
        byte[] q = randomBytes(OUT * IN);
        float[] scale = bf16Scales(OUT);
        byte[] zp = randomBytes(OUT);
        Path c = checkpoint(config("int-quantized", 8, "channel", null, false, null), List.of(
                new Tensor(P + "weight", ElementType.I8, new long[] {OUT, IN}, q),
                new Tensor(P + "weight_scale", ElementType.BF16, new long[] {OUT, 1}, bf16(scale)),
                new Tensor(P + "weight_zero_point", ElementType.I8, new long[] {OUT, 1}, zp)));
        float[] expected = new float[OUT * IN];
        for (int n = 0; n < OUT; n++) {
            for (int k = 0; k < IN; k++) {
                expected[n * IN + k] = (float) (q[n * IN + k] - zp[n]) * scale[n];
            }
        }
        assertThat(Checkpoints.firstDifference(expected, decoded(c,
                "compressed-tensors{bits:8,format:int-quantized,strategy:channel,sym:false}"))).isEqualTo(-1);
    }

    @Test
    void naiveInt8ChannelSymmetricAndTensorScale() throws IOException {
        byte[] q = randomBytes(OUT * IN);
        float[] scale = bf16Scales(OUT);
        Path c = checkpoint(config("naive-quantized", 8, "channel", null, true, null), List.of(
                new Tensor(P + "weight", ElementType.I8, new long[] {OUT, IN}, q),
                new Tensor(P + "weight_scale", ElementType.F32, new long[] {OUT, 1}, f32(scale))));
        float[] expected = new float[OUT * IN];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (float) q[i] * scale[i / IN];
        }
        assertThat(Checkpoints.firstDifference(expected, decoded(c,
                "compressed-tensors{bits:8,format:naive-quantized,scales:f32,strategy:channel,sym:true}"))).isEqualTo(-1);

        byte[] zp = {-3};
        Path t = checkpoint(config("int-quantized", 8, "tensor", null, false, null), List.of(
                new Tensor(P + "weight", ElementType.I8, new long[] {OUT, IN}, q),
                new Tensor(P + "weight_scale", ElementType.F32, new long[] {1}, f32(new float[] {scale[0]})),
                new Tensor(P + "weight_zero_point", ElementType.I8, new long[] {1}, zp)));
        for (int i = 0; i < expected.length; i++) {
            expected[i] = (float) (q[i] + 3) * scale[0];
        }
        assertThat(Checkpoints.firstDifference(expected, decoded(t,
                "compressed-tensors{bits:8,format:int-quantized,scales:f32,strategy:tensor,sym:false}"))).isEqualTo(-1);
    }

    @Test
    void packedChannelWithPackedZeroPoints() throws IOException {
        int[][] q = signedCodes(4, OUT, IN);
        int[][] zp = signedCodes(4, OUT, 1);
        float[] scale = bf16Scales(OUT);
        Path c = checkpoint(config("pack-quantized", 4, "channel", null, false, null), List.of(
                packedRows(4, q),
                new Tensor(P + "weight_scale", ElementType.BF16, new long[] {OUT, 1}, bf16(scale)),
                packedColumns(4, zp),
                new Tensor(P + "weight_shape", ElementType.I64, new long[] {2}, i64(OUT, IN))));
        float[] expected = new float[OUT * IN];
        for (int n = 0; n < OUT; n++) {
            for (int k = 0; k < IN; k++) {
                expected[n * IN + k] = (float) (q[n][k] - zp[n][0]) * scale[n];
            }
        }
        assertThat(Checkpoints.firstDifference(expected, decoded(c,
                "compressed-tensors{bits:4,format:pack-quantized,strategy:channel,sym:false}"))).isEqualTo(-1);
    }

    @Test
    void threeBitCodesTenPerWordWithActivationOrder() throws IOException {
        int groups = 5;
        int[][] q = signedCodes(3, OUT, IN);
        float[] scale = bf16Scales(OUT * groups);
        int[] gIdx = new int[IN];
        for (int k = 0; k < IN; k++) {
            gIdx[k] = (k * 7 + 3) % groups;
        }
        Path c = checkpoint(config("pack-quantized", 3, "group", 8, true, "\"group\""), List.of(
                packedRows(3, q),
                new Tensor(P + "weight_scale", ElementType.BF16, new long[] {OUT, groups}, bf16(scale)),
                new Tensor(P + "weight_shape", ElementType.I32, new long[] {2}, i32(OUT, IN)),
                new Tensor(P + "weight_g_idx", ElementType.I32, new long[] {IN}, i32(gIdx))));
        float[] expected = new float[OUT * IN];
        for (int n = 0; n < OUT; n++) {
            for (int k = 0; k < IN; k++) {
                expected[n * IN + k] = (float) q[n][k] * scale[n * groups + gIdx[k]];
            }
        }
        assertThat(Checkpoints.firstDifference(expected, decoded(c,
                "compressed-tensors{bits:3,format:pack-quantized,group:8,strategy:group,sym:true}"))).isEqualTo(-1);
    }

    /** Signed codes of {@code bits} bits: -2^(bits-1) to 2^(bits-1)-1, both ends included. */
    private int[][] signedCodes(int bits, int rows, int columns) {
        int half = 1 << (bits - 1);
        int[][] q = new int[rows][columns];
        for (int[] row : q) {
            for (int k = 0; k < columns; k++) {
                row[k] = rnd.nextInt(-half, half);
            }
        }
        q[0][0] = -half;
        q[rows - 1][columns - 1] = half - 1;
        return q;
    }

    /** compressed-tensors' packing along the input: {@code q + 2^(bits-1)} in whole fields, LSB first. */
    private static Tensor packedRows(int bits, int[][] q) {
        int perWord = 32 / bits;
        int words = (q[0].length + perWord - 1) / perWord;
        int[] packed = new int[q.length * words];
        for (int n = 0; n < q.length; n++) {
            for (int k = 0; k < q[n].length; k++) {
                packed[n * words + k / perWord] |= (q[n][k] + (1 << (bits - 1))) << (k % perWord * bits);
            }
        }
        return new Tensor(P + "weight_packed", ElementType.I32, new long[] {q.length, words}, i32(packed));
    }

    /** The same packing along the rows, as zero points are stored. */
    private static Tensor packedColumns(int bits, int[][] zp) {
        int perWord = 32 / bits;
        int words = (zp.length + perWord - 1) / perWord;
        int columns = zp[0].length;
        int[] packed = new int[words * columns];
        for (int n = 0; n < zp.length; n++) {
            for (int g = 0; g < columns; g++) {
                packed[n / perWord * columns + g] |= (zp[n][g] + (1 << (bits - 1))) << (n % perWord * bits);
            }
        }
        return new Tensor(P + "weight_zero_point", ElementType.I32, new long[] {words, columns}, i32(packed));
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        rnd.nextBytes(b);
        b[0] = Byte.MIN_VALUE;
        return b;
    }

    /** Scales that bf16 holds exactly, of both signs, over a wide range. */
    private float[] bf16Scales(int n) {
        float[] s = new float[n];
        for (int i = 0; i < n; i++) {
            s[i] = Fp.bf16ToF32(Fp.f32ToBf16((float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(-20, 4)))));
        }
        return s;
    }

    private static byte[] bf16(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putShort(Fp.f32ToBf16(f));
        }
        return b.array();
    }

    private static byte[] f32(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static byte[] i32(int... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putInt(x);
        }
        return b.array();
    }

    private static byte[] i64(long... v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long x : v) {
            b.putLong(x);
        }
        return b.array();
    }
}
