package dev.requant.core.job;

import dev.requant.spi.TensorTransform;
import java.util.List;
import java.util.Optional;

/**
 * A recipe whose every id, type, pattern and option has been checked against the plugins: what
 * remains can only fail on the input itself.
 */
public record Job(InputRef input, List<TensorTransform> transforms, List<OutputJob> outputs,
                  Optional<VerifySettings> verify) {
}
