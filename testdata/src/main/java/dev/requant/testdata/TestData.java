package dev.requant.testdata;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * The reference files tests read: the repository's {@code testdata/} folder, found through the
 * system property {@code requant.testdata} (the build sets it). Files that compress well are stored
 * as {@code NAME.gz} and unpacked beside themselves the first time a test asks for the folder, so
 * that every checkpoint folder looks as its tool wrote it. A file that is missing fails the test
 * that asks for it; nothing is skipped.
 */
public final class TestData {
    private static final String PROPERTY = "requant.testdata";
    private static final String GZ = ".gz";
    private static Path root;

    private TestData() {
    }

    /** The testdata folder, with every {@code .gz} file unpacked. */
    public static synchronized Path root() {
        if (root == null) {
            String configured = System.getProperty(PROPERTY);
            if (configured == null) {
                throw new IllegalStateException("system property " + PROPERTY
                        + " is not set: it names the repository's testdata/ folder (the build sets it)");
            }
            Path dir = Path.of(configured).toAbsolutePath().normalize();
            if (!Files.isRegularFile(dir.resolve("README.md"))) {
                throw new IllegalStateException(PROPERTY + "=" + dir + " is not the testdata folder (no README.md)");
            }
            unpackAll(dir);
            root = dir;
        }
        return root;
    }

    /** A file or folder of the test data, which must exist. */
    public static Path path(String relative) {
        Path p = root().resolve(relative);
        if (!Files.exists(p)) {
            throw new IllegalStateException("reference file missing: " + p + " (testdata/README.md lists every file)");
        }
        return p;
    }

    private static void unpackAll(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            List<Path> packed = files.filter(p -> p.getFileName().toString().endsWith(GZ)).toList();
            for (Path gz : packed) {
                String name = gz.getFileName().toString();
                Path target = gz.resolveSibling(name.substring(0, name.length() - GZ.length()));
                if (!Files.exists(target) || Files.getLastModifiedTime(target).compareTo(Files.getLastModifiedTime(gz)) < 0) {
                    unpack(gz, target);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the test data in " + dir, e);
        }
    }

    /** Through a temp file and a rename, so that test JVMs running at once never see half a file. */
    private static void unpack(Path gz, Path target) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
