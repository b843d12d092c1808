package dev.requant.core.exec;

/**
 * Sums over a tensor's values from which every {@link Metric} follows; chunks are measured on
 * their own and merged, in any order.
 */
public final class ErrorStats {
    private long count;
    private double sumSqDiff;
    private double sumSqRef;
    private double sumSqOut;
    private double dot;
    private double maxAbs;

    /** Measures {@code n} values of {@code out} against {@code ref}. */
    public static ErrorStats of(float[] ref, int refOffset, float[] out, int outOffset, int n) {
        ErrorStats s = new ErrorStats();
        for (int i = 0; i < n; i++) {
            double r = ref[refOffset + i];
            double o = out[outOffset + i];
            double d = o - r;
            s.sumSqDiff += d * d;
            s.sumSqRef += r * r;
            s.sumSqOut += o * o;
            s.dot += r * o;
            s.maxAbs = Math.max(s.maxAbs, Math.abs(d));
        }
        s.count = n;
        return s;
    }

    public synchronized void merge(ErrorStats o) {
        count += o.count;
        sumSqDiff += o.sumSqDiff;
        sumSqRef += o.sumSqRef;
        sumSqOut += o.sumSqOut;
        dot += o.dot;
        maxAbs = Math.max(maxAbs, o.maxAbs);
    }

    public synchronized double value(Metric m) {
        return switch (m) {
            case RMSE -> count == 0 ? 0 : Math.sqrt(sumSqDiff / count);
            case REL_RMSE -> sumSqRef == 0 ? (sumSqDiff == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(sumSqDiff / sumSqRef);
            case MAX_ABS -> maxAbs;
            case COSINE -> sumSqRef == 0 || sumSqOut == 0 ? (sumSqRef == sumSqOut ? 1 : 0)
                    : dot / Math.sqrt(sumSqRef * sumSqOut);
        };
    }
}
