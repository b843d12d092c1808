package dev.requant.plugins.bnb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.plugins.bnb.Checkpoints.Entry;
import dev.requant.spi.ElementType;
import dev.requant.spi.ModelSource;
import dev.requant.spi.QuantScheme;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Layouts the fixtures do not cover, made from them: the parts of one weight spread over the
 * shards of an index, and packed codes stored as f32 words ({@code bnb_4bit_quant_storage}). Both
 * decode to the same values as the fixture.
 */
class LayoutVariantsTest {
    private static final String FIXTURE = "bnb_nf4_dq_bs64";
    private static final String Q = "model.layers.0.self_attn.q_proj.weight";

    @TempDir
    Path dir;

    private final QuantScheme nf4 = new BnbNf4Scheme();

    private float[] decode(Path model, String name) throws IOException {
        try (ModelSource m = new BnbReader().open(model, Checkpoints.CONTEXT)) {
            StoredTensor t = (StoredTensor) m.tensors().stream().filter(x -> x.name().equals(name)).findFirst()
                    .orElseThrow();
            float[] v = new float[Math.toIntExact(t.info().shape().numel())];
            nf4.decode(t, 0, Math.toIntExact(t.info().shape().rows()), v, 0);
            return v;
        }
    }

    @Test
    void partsSpreadOverShards() throws IOException {
        LinkedHashMap<String, Entry> all = Checkpoints.read(Checkpoints.fixture(FIXTURE));
        Map<String, Entry> first = new LinkedHashMap<>();
        Map<String, Entry> second = new LinkedHashMap<>();
        int i = 0;
        for (var e : all.entrySet()) {
            (i++ % 2 == 0 ? first : second).put(e.getKey(), e.getValue());
        }
        assertThat(first.keySet()).anyMatch(n -> n.startsWith(Q + "."));
        assertThat(second.keySet()).anyMatch(n -> n.startsWith(Q + "."));
        Path folder = Files.createDirectories(dir.resolve("sharded"));
        Files.copy(Checkpoints.fixture(FIXTURE).resolve("config.json"), folder.resolve("config.json"));
        Checkpoints.write(folder.resolve("model-00001-of-00002.safetensors"), first);
        Checkpoints.write(folder.resolve("model-00002-of-00002.safetensors"), second);
        String weightMap = all.keySet().stream().map(n -> "\"" + n + "\": \"model-0000" + (first.containsKey(n) ? 1 : 2)
                + "-of-00002.safetensors\"").collect(Collectors.joining(", "));
        Files.writeString(folder.resolve("model.safetensors.index.json"),
                "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {" + weightMap + "}}");

        assertThat(new BnbReader().detect(folder, Checkpoints.CONTEXT)).isEqualTo(dev.requant.spi.Detection.LAYOUT);
        try (ModelSource m = new BnbReader().open(folder, Checkpoints.CONTEXT)) {
            assertThat(m.tensors()).hasSize(21).filteredOn(t -> t.info().type().isQuantized()).hasSize(14);
        }
        assertThat(decode(folder, Q)).isEqualTo(decode(Checkpoints.fixture(FIXTURE), Q));
    }

    @Test
    void packedCodesStoredAsF32Words() throws IOException {
        LinkedHashMap<String, Entry> all = Checkpoints.read(Checkpoints.fixture(FIXTURE));
        Entry packed = all.get(Q);
        all.put(Q, new Entry("F32", new long[] {packed.data().length / 4, 1}, packed.data()));
        Path folder = Checkpoints.folder(dir.resolve("f32-storage"), FIXTURE, all);
        try (ModelSource m = new BnbReader().open(folder, Checkpoints.CONTEXT)) {
            SourceTensor q = m.tensors().stream().filter(x -> x.name().equals(Q)).findFirst().orElseThrow();
            assertThat(((StoredTensor) q).part("weight").spec().dtype()).isEqualTo(ElementType.F32);
        }
        assertThat(decode(folder, Q)).isEqualTo(decode(Checkpoints.fixture(FIXTURE), Q));
    }
}
