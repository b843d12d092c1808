package dev.requant.plugins.safetensors;

import dev.requant.spi.AuxFile;
import dev.requant.spi.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Which files make up a checkpoint, given a path to a weight file, an index or a folder.
 *
 * <p>A folder is read through its index when it has one ({@code model.safetensors.index.json},
 * or the only {@code *.safetensors.index.json}); otherwise every {@code *.safetensors} file in it is
 * a weight file, in name order, except {@code expected.safetensors} (the dequantized reference that
 * test fixtures keep beside the weights; no real model folder has one).
 *
 * <p>Side files (config, tokenizer, chat template, ...) are the regular, non-hidden files of the
 * weights' folder named {@code *.json}, {@code *.txt}, {@code *.model}, {@code *.jinja} or
 * {@code *.tiktoken}, except any {@code *.index.json} (an index lists weights, which the writer
 * lays out anew). They are collected when the folder or an index was opened, or when a single
 * weight file was opened from a folder holding a {@code config.json} (a Hugging Face model folder);
 * a lone file elsewhere brings no side files, so unrelated files next to it do not travel along.
 *
 * @param folder  the folder holding the weights
 * @param index   the index the weights come from, if any
 * @param weights the weight files, in the order their tensors are listed
 * @param withSideFiles whether {@link #sideFiles()} collects the folder's side files
 */
record CheckpointFiles(Path folder, Optional<ShardIndex> index, List<Path> weights, boolean withSideFiles) {
    /** The reference file of test fixtures, never a weight file. */
    static final String EXPECTED_NAME = "expected.safetensors";
    static final String WEIGHT_SUFFIX = ".safetensors";

    private static final List<String> SIDE_FILE_SUFFIXES = List.of(".json", ".txt", ".model", ".jinja", ".tiktoken");

    CheckpointFiles {
        weights = List.copyOf(weights);
    }

    static CheckpointFiles locate(Path path) throws IOException {
        Path abs = path.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            Optional<Path> indexFile = findIndex(abs);
            if (indexFile.isPresent()) {
                ShardIndex index = ShardIndex.read(indexFile.get());
                return new CheckpointFiles(abs, Optional.of(index), index.shards(), true);
            }
            List<Path> weights = weightFiles(abs);
            if (weights.isEmpty()) {
                throw BadInputException.of(abs, "folder holds no *.safetensors weight file and no "
                        + ShardIndex.DEFAULT_NAME);
            }
            return new CheckpointFiles(abs, Optional.empty(), weights, true);
        }
        Path folder = abs.getParent();
        if (name(abs).endsWith(".json")) {
            ShardIndex index = ShardIndex.read(abs);
            return new CheckpointFiles(folder, Optional.of(index), index.shards(), true);
        }
        return new CheckpointFiles(folder, Optional.empty(), List.of(abs),
                Files.isRegularFile(folder.resolve("config.json")));
    }

    /** The index of a folder: the standard name first, else the only one. */
    static Optional<Path> findIndex(Path folder) throws IOException {
        Path standard = folder.resolve(ShardIndex.DEFAULT_NAME);
        if (Files.isRegularFile(standard)) {
            return Optional.of(standard);
        }
        List<Path> all = list(folder).stream().filter(p -> name(p).endsWith(ShardIndex.SUFFIX)).toList();
        if (all.size() > 1) {
            throw BadInputException.of(folder, "folder holds several indexes (" + all.stream().map(CheckpointFiles::name)
                    .toList() + "): open one of them");
        }
        return all.stream().findFirst();
    }

    /** The weight files of a folder without index, in name order. */
    static List<Path> weightFiles(Path folder) throws IOException {
        return list(folder).stream()
                .filter(p -> name(p).endsWith(WEIGHT_SUFFIX) && !name(p).equals(EXPECTED_NAME))
                .toList();
    }

    /** The side files, in name order, or none (see the class comment for the rule). */
    List<AuxFile> sideFiles() throws IOException {
        if (!withSideFiles) {
            return List.of();
        }
        List<AuxFile> out = new ArrayList<>();
        for (Path p : list(folder)) {
            String lower = name(p).toLowerCase(Locale.ROOT);
            if (SIDE_FILE_SUFFIXES.stream().anyMatch(lower::endsWith) && !lower.endsWith(".index.json")) {
                out.add(AuxFile.of(p));
            }
        }
        return out;
    }

    /** The regular, non-hidden files of a folder, sorted by name. */
    private static List<Path> list(Path folder) throws IOException {
        try (Stream<Path> s = Files.list(folder)) {
            return s.filter(p -> !name(p).startsWith(".") && Files.isRegularFile(p))
                    .sorted((a, b) -> JsonText.compareCodePoints(name(a), name(b)))
                    .toList();
        }
    }

    private static String name(Path p) {
        return p.getFileName().toString();
    }
}
