package dev.requant.core.job;

import dev.requant.spi.TensorTransform;
import java.util.List;
import java.util.Optional;

/**
 * A recipe whose every id, type, pattern and option has been checked against the plugins: what
 * remains can only fail on the input itself.
 *
 * @param automaticTransforms the recipe names no transforms (it has no {@code transforms} at all,
 *                            as opposed to an empty list), so the host may apply those that
 *                            {@link TensorTransform#appliesTo apply by themselves}
 */
public record Job(InputRef input, List<TensorTransform> transforms, boolean automaticTransforms,
                  List<OutputJob> outputs, Optional<VerifySettings> verify) {
}
