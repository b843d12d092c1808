package dev.requant.plugins.gguf;

import dev.requant.spi.BadInputException;
import dev.requant.spi.MetaValue;
import dev.requant.spi.io.MappedFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The files a GGUF model consists of: the file itself, or, when it carries {@code split.count},
 * every shard of the split model in order, whichever shard was named. The shards must agree with
 * each other and with their names, as llama.cpp requires when it loads them.
 */
final class GgufShards {
    static final String SPLIT_PREFIX = "split.";
    static final String SPLIT_NO = "split.no";
    static final String SPLIT_COUNT = "split.count";
    static final String SPLIT_TENSORS = "split.tensors.count";

    /** One mapped file and its checked header. */
    record Shard(MappedFile file, GgufHeader header) {
    }

    private GgufShards() {
    }

    /** Maps and checks every file of the model; the caller closes the files. */
    static List<Shard> open(Path path) throws IOException {
        List<Shard> opened = new ArrayList<>();
        try {
            Shard given = openOne(path);
            opened.add(given);
            Optional<GgufKv> countKv = given.header().kv(SPLIT_COUNT);
            if (countKv.isEmpty()) {
                return opened;
            }
            int count = (int) integer(given.header(), countKv.get(), 1, 0xFFFF);
            int number = shardIndex(given.header(), count) + 1;
            if (count == 1) {
                return opened;
            }
            Path prefix = ShardName.parse(path)
                    .filter(n -> n.number() == number && n.count() == count
                            && ShardName.path(n.prefix(), number, count).equals(path))
                    .map(ShardName::prefix)
                    .orElseThrow(() -> BadInputException.at(path, countKv.get().offset(), "this is shard " + number
                            + " of " + count + " of a split model, but its name does not end in "
                            + String.format("-%05d-of-%05d.gguf", number, count) + ", so the other shards cannot be found"));
            List<Shard> shards = new ArrayList<>();
            for (int n = 1; n <= count; n++) {
                if (n == number) {
                    shards.add(given);
                    continue;
                }
                Path shardPath = ShardName.path(prefix, n, count);
                if (!Files.isRegularFile(shardPath)) {
                    throw BadInputException.of(path, "shard " + n + " of " + count + " of this split model is missing: "
                            + shardPath);
                }
                Shard shard = openOne(shardPath);
                opened.add(shard);
                shards.add(shard);
                checkAgrees(shard.header(), n, count);
            }
            checkTensorCount(shards);
            return shards;
        } catch (IOException | RuntimeException e) {
            opened.forEach(s -> s.file().close());
            throw e;
        }
    }

    private static Shard openOne(Path path) throws IOException {
        MappedFile file = MappedFile.open(path);
        try {
            return new Shard(file, GgufParser.parse(path, file.segment()));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** The 0-based {@code split.no} of a shard. */
    private static int shardIndex(GgufHeader header, int count) throws BadInputException {
        GgufKv no = header.kv(SPLIT_NO).orElseThrow(() -> BadInputException.of(header.file(),
                "the file has " + SPLIT_COUNT + " but no " + SPLIT_NO));
        return (int) integer(header, no, 0, count - 1);
    }

    private static void checkAgrees(GgufHeader header, int number, int count) throws BadInputException {
        GgufKv countKv = header.kv(SPLIT_COUNT).orElseThrow(() -> BadInputException.of(header.file(),
                "shard " + number + " of " + count + " has no " + SPLIT_COUNT));
        long theirs = integer(header, countKv, 1, 0xFFFF);
        if (theirs != count) {
            throw BadInputException.at(header.file(), countKv.offset(), SPLIT_COUNT + " is " + theirs
                    + " but the other shards say " + count);
        }
        int index = shardIndex(header, count);
        if (index != number - 1) {
            throw BadInputException.at(header.file(), header.kv(SPLIT_NO).orElseThrow().offset(), SPLIT_NO + " is "
                    + index + " but the file name makes it shard " + number + " (" + SPLIT_NO + " " + (number - 1) + ")");
        }
    }

    /** {@code split.tensors.count}, where present, must be the same everywhere and match the tensors found. */
    private static void checkTensorCount(List<Shard> shards) throws BadInputException {
        long total = 0;
        for (Shard s : shards) {
            total += s.header().tensors().size();
        }
        for (Shard s : shards) {
            Optional<GgufKv> kv = s.header().kv(SPLIT_TENSORS);
            if (kv.isPresent()) {
                long declared = integer(s.header(), kv.get(), 0, Integer.MAX_VALUE);
                if (declared != total) {
                    throw BadInputException.at(s.header().file(), kv.get().offset(), SPLIT_TENSORS + " is " + declared
                            + " but the " + shards.size() + " shards hold " + total + " tensors");
                }
            }
        }
    }

    private static long integer(GgufHeader header, GgufKv kv, long min, long max) throws BadInputException {
        if (!(kv.value() instanceof MetaValue.Int i)) {
            throw BadInputException.at(header.file(), kv.offset(), kv.key() + " must be an integer, not "
                    + kv.value().type());
        }
        if (i.value() < min || i.value() > max) {
            throw BadInputException.at(header.file(), kv.offset(), kv.key() + " is " + i.value() + ", outside "
                    + min + ".." + max);
        }
        return i.value();
    }
}
