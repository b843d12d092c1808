package dev.requant.cli;

import dev.requant.core.exec.ProgressListener;
import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Progress on stderr: a bar with bytes and ETA on a terminal, a plain line per 10% otherwise. */
final class Progress {
    private Progress() {
    }

    static ProgressListener forStderr(PrintStream err) {
        return System.console() != null && System.console().isTerminal() ? new Bar() : new Lines(err);
    }

    /** The progress bar library, counting MiB of source data. */
    private static final class Bar implements ProgressListener {
        private ProgressBar bar;
        private final AtomicLong done = new AtomicLong();

        @Override
        public void start(long totalBytes) {
            bar = new ProgressBarBuilder().setTaskName("converting").setInitialMax(Math.max(1, totalBytes))
                    .setStyle(ProgressBarStyle.ASCII).setUnit(" MiB", 1 << 20).showSpeed()
                    .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err)).build();
        }

        @Override
        public void advance(long bytes) {
            bar.stepTo(done.addAndGet(bytes));
        }

        @Override
        public void finish() {
            bar.close();
        }
    }

    /** One line each time another tenth is done: logs stay readable. */
    private static final class Lines implements ProgressListener {
        private final PrintStream err;
        private final AtomicLong done = new AtomicLong();
        private long total;
        private int shownTenths;

        Lines(PrintStream err) {
            this.err = err;
        }

        @Override
        public void start(long totalBytes) {
            total = Math.max(1, totalBytes);
        }

        @Override
        public void advance(long bytes) {
            long now = done.addAndGet(bytes);
            int tenths = (int) (now * 10 / total);
            synchronized (this) {
                if (tenths > shownTenths) {
                    shownTenths = tenths;
                    err.printf(Locale.ROOT, "requant: %d%% (%s of %s)%n", tenths * 10, Sizes.bytes(now), Sizes.bytes(total));
                }
            }
        }

        @Override
        public void finish() {
        }
    }
}
