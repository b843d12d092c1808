package dev.requant.spi;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** Facts about this spi build. */
public final class Spi {
    /**
     * The semantic version of this spi. A plugin declares the range it was built for in its
     * {@code Plugin-Requires} manifest entry (for example {@code ^1.0.0}); the host refuses
     * plugins whose range does not contain this version.
     */
    public static final String VERSION = readVersion();

    private Spi() {
    }

    private static String readVersion() {
        try (InputStream in = Spi.class.getResourceAsStream("spi.properties")) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
