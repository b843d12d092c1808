package dev.requant.plugins.safetensors;

import dev.requant.spi.AuxFile;
import dev.requant.spi.ElementType;
import dev.requant.spi.FormatWriter;
import dev.requant.spi.ModelSink;
import dev.requant.spi.OutputPlan;
import dev.requant.spi.TensorType;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.pf4j.Extension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes safetensors: into a folder ({@code model.safetensors}, or shards and their index, plus
 * every aux file of the metadata, with the quantization settings of this output by
 * {@link HfFolderFiles}), or
 * to a {@code *.safetensors} file (shards then take their names from it, and no aux file is
 * written). See {@link OutputLayout} for the bytes.
 *
 * <p>A folder target must not hold weight or index files that this output would not replace:
 * loaders would mix them with the new weights (a stale {@code model-00003-of-00003.safetensors}
 * beside a new {@code model.safetensors}), so such leftovers are refused rather than deleted.
 */
@Extension
public final class SafetensorsWriter implements FormatWriter {
    private static final Logger LOG = LoggerFactory.getLogger(SafetensorsWriter.class);
    private static final String DEFAULT_BASE = "model";

    @Override
    public String id() {
        return SafetensorsReader.ID;
    }

    @Override
    public String description() {
        return "safetensors: one file or shards with an index, laid out like safetensors.torch writes them";
    }

    /** A {@code *.safetensors} file, or a folder: an existing one, or a name without extension. */
    @Override
    public boolean accepts(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString();
        return name.endsWith(CheckpointFiles.WEIGHT_SUFFIX) || Files.isDirectory(path)
                || (!name.isEmpty() && name.indexOf('.') < 0);
    }

    @Override
    public boolean canStore(TensorType type) {
        return type instanceof ElementType;
    }

    @Override
    public boolean storesCheckpointLayouts() {
        return true;
    }

    @Override
    public Set<String> options() {
        return Set.of(ShardSize.OPTION);
    }

    @Override
    public ModelSink create(Path path, OutputPlan plan, Map<String, String> options) throws IOException {
        for (String key : options.keySet()) {
            if (!options().contains(key)) {
                throw new IllegalArgumentException("unknown option '" + key + "'; safetensors understands " + options());
            }
        }
        long maxShardSize = options.containsKey(ShardSize.OPTION) ? ShardSize.parse(options.get(ShardSize.OPTION))
                : Long.MAX_VALUE;
        Path target = path.toAbsolutePath();
        String name = target.getFileName().toString();
        boolean toFile = name.endsWith(CheckpointFiles.WEIGHT_SUFFIX) && !Files.isDirectory(target);
        Path folder = toFile ? target.getParent() : target;
        String base = toFile ? name.substring(0, name.length() - CheckpointFiles.WEIGHT_SUFFIX.length()) : DEFAULT_BASE;

        OutputLayout layout = OutputLayout.of(base, plan, maxShardSize);
        List<AuxFile> sideFiles = toFile ? List.of()
                : HfFolderFiles.of(plan.metadata().files().values(), plan.checkpoint());
        Set<String> ours = layout.fileNames();
        for (AuxFile aux : sideFiles) {
            if (ours.contains(aux.name())) {
                throw new IllegalArgumentException("aux file " + aux.name() + " has the name of a weight or index file"
                        + " of this output");
            }
        }
        if (!toFile) {
            refuseLeftovers(folder, ours);
        }
        LOG.debug("{}: weight file(s) {}{}; side files {}", folder, layout.shards().stream()
                        .map(OutputLayout.Shard::fileName).toList(),
                layout.index().isPresent() ? ", index " + layout.indexName() : "",
                sideFiles.stream().map(AuxFile::name).toList());
        return SafetensorsSink.create(folder, layout, sideFiles);
    }

    private static void refuseLeftovers(Path folder, Set<String> ours) throws IOException {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (Stream<Path> files = Files.list(folder)) {
            for (Path p : files.toList()) {
                String name = p.getFileName().toString();
                boolean weights = name.endsWith(CheckpointFiles.WEIGHT_SUFFIX) || name.endsWith(ShardIndex.SUFFIX);
                if (weights && !name.startsWith(".") && !ours.contains(name)) {
                    throw new FileAlreadyExistsException(p.toString(), null, "this output would leave it beside the"
                            + " new weights, and loaders would mix them; remove it or write to another folder");
                }
            }
        }
    }
}
