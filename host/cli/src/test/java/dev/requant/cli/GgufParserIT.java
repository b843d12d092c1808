package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.core.Session;
import dev.requant.core.config.HostConfig;
import dev.requant.core.plugin.PluginHost;
import dev.requant.core.recipe.RecipeLoader;
import dev.requant.kernels.ggml.GgmlType;
import dev.requant.spi.MetaType;
import dev.requant.spi.MetaValue;
import dev.requant.spi.ModelSource;
import dev.requant.spi.PartSpec;
import dev.requant.spi.SourceTensor;
import dev.requant.spi.StoredTensor;
import dev.requant.spi.io.MappedFile;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.JsonNode;

/**
 * An independent parser, {@code @huggingface/gguf} (see {@code src/test/node/gguf-read.mjs}),
 * reads every GGUF file requant writes as our own reader does: the same tensors in the same
 * order (names, ggml dims, ggml type ids), offsets that point at the very bytes our reader
 * gives for each tensor, and the same key/values (keys in order, GGUF value types, values).
 */
class GgufParserIT {
    private static final Path STORIES = Cli.TESTDATA.resolve("data/gguf/stories260K.gguf");
    private static final Path TINY = Cli.TESTDATA.resolve("data/gguf/ollama-llama-2-tiny-random.gguf");
    private static final int DEFAULT_ALIGNMENT = 32;

    @TempDir
    static Path dir;

    private static PluginHost plugins;
    private static Session session;
    /** Each written model's files, the one to open first. */
    private static final Map<String, List<Path>> written = new LinkedHashMap<>();
    /** What the other parser read, by file. */
    private static final Map<Path, JsonNode> parsed = new LinkedHashMap<>();

    @BeforeAll
    static void writeAndParse() throws IOException {
        plugins = PluginHost.load(List.of(Cli.PLUGINS));
        session = new Session(plugins.registry(), HostConfig.load(Cli.CONFIG, new RecipeLoader()));
        write("stories q8_0", STORIES, "stories-q8_0.gguf", "--type", "q8_0");
        write("stories q4_0", STORIES, "stories-q4_0.gguf", "--type", "q4_0");
        write("tiny q8_0", TINY, "tiny-q8_0.gguf", "--type", "q8_0");
        write("stories q8_0 split", STORIES, "split/stories.gguf", "--type", "q8_0",
                "--option", "split_max_tensors=20");
        Cli.Result sample = Cli.run("sample", dir.resolve("hf").toString(), "--type", "bf16");
        assertThat(sample.code()).as(sample.err()).isZero();
        write("sample q4_1 alignment=64", dir.resolve("hf"), "sample-a64.gguf", "--type", "q4_1",
                "--option", "alignment=64");

        List<Path> files = written.values().stream().flatMap(List::stream).toList();
        JsonNode out = NodeTools.run("gguf-read.mjs", files.stream().map(Path::toString).toList());
        for (JsonNode file : out.values()) {
            parsed.put(Path.of(file.get("file").asString()), file);
        }
        assertThat(parsed.keySet()).containsExactlyElementsOf(files);
    }

    @AfterAll
    static void unload() {
        plugins.close();
    }

    /** Converts {@code in} to {@code dir/out}; a split output's shards are listed in order. */
    private static void write(String label, Path in, String out, String... args) throws IOException {
        Path path = dir.resolve(out);
        List<String> all = new ArrayList<>(List.of("convert", in.toString(), path.toString()));
        all.addAll(List.of(args));
        Cli.Result r = Cli.run(all.toArray(String[]::new));
        assertThat(r.code()).as(r.err()).isZero();
        try (Stream<Path> s = Files.list(path.getParent())) {
            String stem = out.substring(out.lastIndexOf('/') + 1).replace(".gguf", "");
            written.put(label, s.filter(p -> p.getFileName().toString().matches(
                    Pattern.quote(stem) + "(-\\d{5}-of-\\d{5})?\\.gguf")).sorted().toList());
        }
    }

    static Stream<String> models() {
        return Stream.of("stories q8_0", "stories q4_0", "tiny q8_0", "stories q8_0 split", "sample q4_1 alignment=64");
    }

    @ParameterizedTest
    @MethodSource("models")
    void theOtherParserSeesOurTensorsAndKeys(String label) throws IOException {
        List<Path> files = written.get(label);
        try (ModelSource ours = session.open(files.getFirst(), null)) {
            List<String> theirTensors = new ArrayList<>();
            int t = 0;
            for (Path file : files) {
                JsonNode theirs = parsed.get(file);
                List<JsonNode> infos = List.copyOf(theirs.get("tensors").values());
                // the other parser keeps key/values in an object: a key written twice would collapse
                assertThat(theirs.get("kvs").size()).as("%s: distinct keys", file).isEqualTo(theirs.get("kvCount").asInt());
                checkOffsets(file, theirs, ours.tensors().subList(t, t + infos.size()));
                infos.forEach(info -> theirTensors.add(tensor(info)));
                t += infos.size();
            }
            assertThat(theirTensors).containsExactlyElementsOf(ours.tensors().stream().map(GgufParserIT::tensor).toList());

            List<String> ourKeys = ours.metadata().values().entrySet().stream()
                    .map(e -> keyValue(e.getKey(), e.getValue())).toList();
            List<String> theirKeys = parsed.get(files.getFirst()).get("kvs").values().stream()
                    .filter(kv -> !isContainerKey(kv.get("key").asString())).map(GgufParserIT::keyValue).toList();
            assertThat(theirKeys).containsExactlyElementsOf(ourKeys);
            System.out.printf("%s: @huggingface/gguf read %d file(s), %d tensors and %d keys as we do%n", label,
                    files.size(), theirTensors.size(), theirKeys.size());
        }
    }

    @Test
    void aSplitOutputHasTheSplitKeysInEveryShardAndTheModelKeysInTheFirstOnly() {
        List<Path> shards = written.get("stories q8_0 split");
        assertThat(shards).extracting(p -> p.getFileName().toString()).containsExactly(
                "stories-00001-of-00003.gguf", "stories-00002-of-00003.gguf", "stories-00003-of-00003.gguf");
        int total = shards.stream().mapToInt(s -> parsed.get(s).get("tensors").size()).sum();
        assertThat(total).isEqualTo(48);
        for (int i = 0; i < shards.size(); i++) {
            Map<String, String> kvs = keys(parsed.get(shards.get(i)));
            assertThat(kvs).containsEntry("split.no", "UINT16 " + i).containsEntry("split.count", "UINT16 3")
                    .containsEntry("split.tensors.count", "INT32 " + total);
            if (i > 0) {
                assertThat(kvs).containsOnlyKeys("split.no", "split.count", "split.tensors.count");
            }
        }
    }

    @Test
    void anAlignmentOf64IsWrittenAndHonoured() {
        JsonNode file = parsed.get(written.get("sample q4_1 alignment=64").getFirst());
        assertThat(keys(file)).containsEntry("general.alignment", "UINT32 64");
        assertThat(Long.parseLong(file.get("tensorDataOffset").asString()) % 64).isZero();
        assertThat(file.get("tensors").values()).allSatisfy(
                info -> assertThat(Long.parseLong(info.get("offset").asString()) % 64).isZero());
        assertThat(file.get("tensors").values()).extracting(info -> GgmlType.byId(info.get("type").asInt()).orElseThrow())
                .contains(GgmlType.Q4_1, GgmlType.BF16);
    }

    /** Keys of a parsed file with their GGUF type and scalar value ({@code "UINT32 64"}). */
    private static Map<String, String> keys(JsonNode file) {
        return file.get("kvs").values().stream().collect(Collectors.toMap(kv -> kv.get("key").asString(),
                kv -> kv.get("type").asString() + " " + scalar(kv.get("type").asString(), kv.get("value")),
                (a, b) -> a, LinkedHashMap::new));
    }

    /**
     * The other parser's offsets, from the data section it computed, hold exactly the bytes our
     * reader gives for each tensor, aligned and in order without overlap.
     */
    private static void checkOffsets(Path file, JsonNode theirs, List<SourceTensor> ours) {
        long alignment = theirs.get("kvs").values().stream().filter(kv -> kv.get("key").asString().equals("general.alignment"))
                .mapToLong(kv -> kv.get("value").asLong()).findFirst().orElse(DEFAULT_ALIGNMENT);
        long data = Long.parseLong(theirs.get("tensorDataOffset").asString());
        assertThat(data % alignment).as("%s: data section at %d, alignment %d", file, data, alignment).isZero();
        try (MappedFile mapped = MappedFile.open(file)) {
            long end = 0;
            for (int i = 0; i < ours.size(); i++) {
                JsonNode info = theirs.get("tensors").get(i);
                MemorySegment bytes = ((StoredTensor) ours.get(i)).part(PartSpec.DATA).data();
                long offset = Long.parseLong(info.get("offset").asString());
                String what = file.getFileName() + ": " + info.get("name").asString() + " at " + offset;
                assertThat(offset % alignment).as(what).isZero();
                assertThat(offset).as(what).isGreaterThanOrEqualTo(end);
                end = offset + bytes.byteSize();
                assertThat(data + end).as(what).isLessThanOrEqualTo(mapped.size());
                assertThat(mapped.segment().asSlice(data + offset, bytes.byteSize()).mismatch(bytes)).as(what)
                        .isEqualTo(-1L);
            }
        } catch (IOException e) {
            throw new AssertionError(file + ": " + e.getMessage(), e);
        }
    }

    private static boolean isContainerKey(String key) {
        return key.equals("general.alignment") || key.startsWith("split.");
    }

    /** A tensor as ggml describes it: name, dims fastest first, type id. */
    private static String tensor(SourceTensor t) {
        long[] dims = t.info().shape().dims();
        List<Long> ne = IntStream.range(0, dims.length).mapToObj(i -> dims[dims.length - 1 - i]).toList();
        int type = GgmlType.byName(t.info().type().id()).orElseThrow().id();
        return t.name() + " ne=" + ne + " type=" + type;
    }

    private static String tensor(JsonNode info) {
        List<Long> ne = info.get("ne").values().stream().map(n -> Long.parseLong(n.asString())).toList();
        return info.get("name").asString() + " ne=" + ne + " type=" + info.get("type").asInt();
    }

    // Key/values as "key TYPE value". Values are rendered from their GGUF type on both sides, so an
    // F32 of 1 and a U32 of 1 differ; arrays longer than a few items are shown by length and hash.

    private static String keyValue(String key, MetaValue v) {
        String type = ggufName(v.type());
        return key + " " + (v instanceof MetaValue.Arr a
                ? type + "<" + ggufName(a.elementType()) + "> " + array(a.items().stream().map(GgufParserIT::scalar).toList())
                : type + " " + scalar(v));
    }

    private static String keyValue(JsonNode kv) {
        String type = kv.get("type").asString();
        JsonNode value = kv.get("value");
        if (!type.equals("ARRAY")) {
            return kv.get("key").asString() + " " + type + " " + scalar(type, value);
        }
        String element = kv.get("subType").asString();
        return kv.get("key").asString() + " " + type + "<" + element + "> "
                + array(value.values().stream().map(item -> scalar(element, item)).toList());
    }

    /** Nested arrays (none in our files) are compared by length only: the other parser keeps no inner types. */
    private static String scalar(MetaValue v) {
        return switch (v) {
            case MetaValue.Int i -> i.type() == MetaType.U64 ? Long.toUnsignedString(i.value()) : Long.toString(i.value());
            case MetaValue.Real r -> Double.toString(r.value());
            case MetaValue.Bool b -> Boolean.toString(b.value());
            case MetaValue.Str s -> asTheOtherParserDecodes(s.value());
            case MetaValue.Arr a -> "array of " + a.items().size();
        };
    }

    /**
     * {@code @huggingface/gguf} decodes strings with a default {@code TextDecoder}, which drops a
     * leading byte-order mark: llama 2's token 30143, U+FEFF alone, reads as "".
     */
    private static String asTheOtherParserDecodes(String s) {
        return s.startsWith("\uFEFF") ? s.substring(1) : s;
    }

    private static String scalar(String type, JsonNode v) {
        return switch (type) {
            case "FLOAT32", "FLOAT64" -> Double.toString(v.isString() ? Double.parseDouble(v.asString()) : v.doubleValue());
            case "BOOL" -> Boolean.toString(v.booleanValue());
            case "ARRAY" -> "array of " + v.size();
            default -> v.asString();
        };
    }

    private static String array(List<String> items) {
        if (items.size() <= 8) {
            return items.toString();
        }
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String item : items) {
                sha.update(item.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return "[" + items.size() + " items, sha256 " + HexFormat.of().formatHex(sha.digest(), 0, 8) + "]";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String ggufName(MetaType type) {
        return switch (type) {
            case U8 -> "UINT8";
            case I8 -> "INT8";
            case U16 -> "UINT16";
            case I16 -> "INT16";
            case U32 -> "UINT32";
            case I32 -> "INT32";
            case U64 -> "UINT64";
            case I64 -> "INT64";
            case F32 -> "FLOAT32";
            case F64 -> "FLOAT64";
            case BOOL -> "BOOL";
            case STRING -> "STRING";
            case ARRAY -> "ARRAY";
        };
    }
}
