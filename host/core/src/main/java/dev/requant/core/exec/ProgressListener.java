package dev.requant.core.exec;

/** Told how far a run is, in bytes of source tensor data. Called from worker threads. */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void start(long totalBytes) {
        }

        @Override
        public void advance(long bytes) {
        }

        @Override
        public void finish() {
        }
    };

    void start(long totalBytes);

    void advance(long bytes);

    void finish();
}
