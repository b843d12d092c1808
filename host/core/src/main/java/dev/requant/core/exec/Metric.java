package dev.requant.core.exec;

import java.util.Locale;
import java.util.Optional;

/** The error measures of a converted tensor against its source values. */
public enum Metric {
    /** Root mean square of the differences. */
    RMSE,
    /** RMSE divided by the root mean square of the source values. */
    REL_RMSE,
    /** Largest absolute difference. */
    MAX_ABS,
    /** Cosine similarity of source and result (1 is identical direction). */
    COSINE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Metric> byId(String id) {
        for (Metric m : values()) {
            if (m.id().equals(id.toLowerCase(Locale.ROOT))) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
