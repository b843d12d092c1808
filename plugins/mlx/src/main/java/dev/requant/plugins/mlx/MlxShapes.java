package dev.requant.plugins.mlx;

import dev.requant.spi.BadInputException;
import dev.requant.spi.StoredTensor;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Bits and group size of an MLX checkpoint that came without its config.json, from the shapes
 * alone. A row of {@code W} uint32 words with {@code S} groups fits every reading with
 * {@code bits * group = 32 * W / S}, so the shapes only narrow it down: the reading must fit every
 * quantized tensor with one setting, and give each an input width that the model has elsewhere
 * (the length of a vector, a dimension of a plain tensor, or the output width of a quantized one).
 * When several readings remain, the one under which the most tensors read the model's hidden size
 * (the length of its 1-D tensors: norms) wins; a tie is refused rather than guessed.
 */
final class MlxShapes {
    private static final int[] BITS = {2, 3, 4, 5, 6, 8};
    private static final int[] GROUPS = {32, 64, 128};

    private MlxShapes() {
    }

    static MlxConfig.Params infer(Path file, List<MlxModule> modules, List<StoredTensor> plain)
            throws BadInputException {
        Set<Long> known = new HashSet<>();
        Set<Long> vectors = new HashSet<>();
        for (StoredTensor t : plain) {
            for (long d : t.info().shape().dims()) {
                known.add(d);
            }
            if (t.info().shape().rank() == 1) {
                vectors.add(t.info().shape().dim(0));
            }
        }
        for (MlxModule m : modules) {
            for (long d : m.leading()) {
                known.add(d);
            }
        }
        List<MlxConfig.Params> fitting = new ArrayList<>();
        for (int bits : BITS) {
            for (int group : GROUPS) {
                MlxConfig.Params p = new MlxConfig.Params(bits, group, MlxConfig.MODE_AFFINE);
                if (modules.stream().allMatch(m -> m.words() * 32 == m.groups() * group * bits
                        && known.contains(m.groups() * group))) {
                    fitting.add(p);
                }
            }
        }
        if (fitting.size() == 1) {
            return fitting.getFirst();
        }
        if (fitting.size() > 1) {
            int best = -1;
            List<MlxConfig.Params> top = new ArrayList<>();
            for (MlxConfig.Params p : fitting) {
                int hidden = (int) modules.stream().filter(m -> vectors.contains(m.groups() * p.groupSize())).count();
                if (hidden > best) {
                    best = hidden;
                    top.clear();
                }
                if (hidden == best) {
                    top.add(p);
                }
            }
            if (top.size() == 1 && best > 0) {
                return top.getFirst();
            }
        }
        throw BadInputException.of(file, "MLX weights without the config.json that says their bits and group size,"
                + " and the shapes alone " + (fitting.isEmpty() ? "fit no single setting (mixed precision?)"
                : "fit " + fitting.size() + " settings (" + fitting.stream().map(MlxConfig.Params::toString)
                        .collect(Collectors.joining("; ")) + ")")
                + ": put the config.json that mlx-lm saved beside the weights");
    }
}
