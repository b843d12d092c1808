package dev.requant.core.plan;

import dev.requant.spi.MetaValue;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.TensorInfo;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a rule's condition can ask about a tensor and its model. Model facts come from GGUF keys
 * ({@code general.architecture}, {@code ARCH.block_count}, {@code ARCH.attention.head_count(_kv)},
 * {@code ARCH.expert_count}) or from a Hugging Face {@code config.json}, else from the tensor names.
 *
 * <ul>
 *   <li>{@code name}: the tensor's name; {@code dims}, {@code rows} (first dimension), {@code cols}
 *       (row length)</li>
 *   <li>{@code i}: its layer ({@code blk.N.}, {@code layers.N.}, ...), -1 outside layers;
 *       {@code n}: the number of layers</li>
 *   <li>{@code arch}: the architecture ({@code llama}, {@code falcon}, ...);
 *       {@code heads}, {@code kv_heads}, {@code gqa} (heads per kv head, 1 when unknown);
 *       {@code experts} (0 without experts)</li>
 *   <li>{@code has_output}: the model has its own output projection ({@code output.weight} or
 *       {@code lm_head.weight}); without it the token embeddings serve as output</li>
 * </ul>
 */
public final class TensorFacts {
    public static final Set<String> VARIABLES = new TreeSet<>(Set.of("name", "dims", "rows", "cols", "i", "n", "arch",
            "heads", "kv_heads", "gqa", "experts", "has_output"));

    private static final Pattern LAYER = Pattern.compile("(?:^|\\.)(?:blk|layers|layer|h|block|blocks)\\.(\\d+)\\.");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Map<String, Object> model;

    private TensorFacts(Map<String, Object> model) {
        this.model = Map.copyOf(model);
    }

    public static TensorFacts of(ModelSource source) {
        Metadata meta = source.metadata();
        JsonNode config = config(meta);
        String arch = meta.string("general.architecture")
                .orElse(config.path("model_type").asString(""));
        long maxLayer = -1;
        boolean hasOutput = false;
        for (SourceTensor t : source.tensors()) {
            maxLayer = Math.max(maxLayer, layer(t.name()));
            hasOutput |= t.name().equals("output.weight") || t.name().equals("lm_head.weight");
        }
        long n = number(meta, arch + ".block_count").orElse(config.path("num_hidden_layers").asLong(maxLayer + 1));
        long heads = number(meta, arch + ".attention.head_count").orElse(config.path("num_attention_heads").asLong(0));
        long kvHeads = number(meta, arch + ".attention.head_count_kv")
                .orElse(config.path("num_key_value_heads").asLong(heads));
        long experts = number(meta, arch + ".expert_count").orElse(firstPositive(config, "num_local_experts",
                "num_experts", "n_routed_experts"));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("arch", arch);
        m.put("n", n);
        m.put("heads", heads);
        m.put("kv_heads", kvHeads);
        m.put("gqa", heads > 0 && kvHeads > 0 ? heads / kvHeads : 1L);
        m.put("experts", experts);
        m.put("has_output", hasOutput);
        return new TensorFacts(m);
    }

    /** The variables of one tensor. */
    public Map<String, Object> of(TensorInfo t) {
        Map<String, Object> facts = new LinkedHashMap<>(model);
        facts.put("name", t.name());
        facts.put("dims", (long) t.shape().rank());
        facts.put("rows", t.shape().rank() == 0 ? 1L : t.shape().dim(0));
        facts.put("cols", t.shape().rowLength());
        facts.put("i", layer(t.name()));
        return facts;
    }

    private static long layer(String name) {
        Matcher m = LAYER.matcher(name);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /** An integer key, or the first item of an array key (per-layer values in GGUF). */
    private static OptionalLong number(Metadata meta, String key) {
        Optional<MetaValue> v = meta.get(key);
        if (v.isPresent() && v.get() instanceof MetaValue.Arr a && !a.items().isEmpty()) {
            v = Optional.of(a.items().getFirst());
        }
        return v.filter(x -> x instanceof MetaValue.Int).map(x -> OptionalLong.of(((MetaValue.Int) x).value()))
                .orElse(OptionalLong.empty());
    }

    private static long firstPositive(JsonNode config, String... keys) {
        for (String k : keys) {
            long v = config.path(k).asLong(0);
            if (v > 0) {
                return v;
            }
        }
        return 0;
    }

    /** The model's config.json, or an empty object when it has none or it does not parse. */
    private static JsonNode config(Metadata meta) {
        return meta.file("config.json").map(f -> {
            try {
                return JSON.readTree(f.bytes());
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }).orElse(JSON.createObjectNode());
    }
}
