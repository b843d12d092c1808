package dev.requant.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.core.plugin.PluginHost;
import dev.requant.core.plugin.PluginProblem;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.MethodTypeDesc;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken, incompatible and conflicting plugin jars are reported and skipped; the others work. */
class PluginLoadingTest {
    @TempDir
    Path dir;

    private static Path shipped(String id) throws IOException {
        try (Stream<Path> s = Files.list(Cli.PLUGINS)) {
            return s.filter(p -> p.getFileName().toString().startsWith("requant-plugin-" + id + "-")).findFirst()
                    .orElseThrow();
        }
    }

    /** A copy of a plugin jar with manifest changes and extra entries. */
    private Path variant(String id, String name, java.util.Map<String, String> manifest, Path extraClasses)
            throws IOException {
        Path out = dir.resolve(name);
        try (JarFile in = new JarFile(shipped(id).toFile());
             JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out), patched(in.getManifest(), manifest))) {
            for (JarEntry e : java.util.Collections.list(in.entries())) {
                if (e.getName().equals(JarFile.MANIFEST_NAME)) {
                    continue;
                }
                jar.putNextEntry(new JarEntry(e.getName()));
                try (InputStream is = in.getInputStream(e)) {
                    is.transferTo(jar);
                }
            }
            if (extraClasses != null) {
                try (Stream<Path> files = Files.walk(extraClasses)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        jar.putNextEntry(new JarEntry(extraClasses.relativize(f).toString().replace('\\', '/')));
                        Files.copy(f, jar);
                    }
                }
            }
        }
        return out;
    }

    private static Manifest patched(Manifest m, java.util.Map<String, String> changes) {
        Manifest copy = new Manifest(m);
        changes.forEach((k, v) -> copy.getMainAttributes().put(new Attributes.Name(k), v));
        return copy;
    }

    private PluginHost load() {
        return PluginHost.load(List.of(Cli.PLUGINS, dir));
    }

    private static String problems(PluginHost host) {
        return String.join("\n", host.problems().stream().map(PluginProblem::toString).toList());
    }

    @Test
    void shippedPluginsProvideTheirExtensions() {
        try (PluginHost host = PluginHost.load(List.of(Cli.PLUGINS))) {
            assertThat(host.problems()).isEmpty();
            assertThat(host.registry().reader("gguf")).isPresent();
            assertThat(host.registry().writer("safetensors")).isPresent();
            assertThat(host.registry().scheme("q8_0")).isPresent();
            assertThat(host.registry().reader("bnb")).isPresent();
            assertThat(host.registry().scheme("bnb_nf4")).isPresent();
            assertThat(host.registry().transform("hf-to-gguf")).isPresent();
            assertThat(host.registry().transform("gguf-to-hf")).isPresent();
            assertThat(host.registry().plugins()).extracting(p -> p.id())
                    .containsExactlyInAnyOrderElementsOf(Cli.shippedPlugins())
                    .contains("gguf", "safetensors", "ggml-quants");
        }
    }

    @Test
    void pluginsAreNotOnTheHostClasspath() {
        // they must load in their own class loaders; on the host class path their extensions would be found twice
        for (String cls : List.of("dev.requant.plugins.gguf.GgufReader", "dev.requant.plugins.safetensors.SafetensorsReader")) {
            assertThat(getClass().getClassLoader().getResource(cls.replace('.', '/') + ".class")).as(cls).isNull();
        }
    }

    @Test
    void aBrokenJarIsReportedAndTheOthersKeepWorking() throws IOException {
        Files.write(dir.resolve("broken.jar"), new byte[] {'P', 'K', 3, 4, 0, 0, 1, 2, 3});
        try (OutputStream o = Files.newOutputStream(dir.resolve("no-descriptor.jar"));
             JarOutputStream jar = new JarOutputStream(o)) {
            jar.putNextEntry(new JarEntry("x.txt"));
        }
        try (PluginHost host = load()) {
            assertThat(host.problems()).extracting(p -> p.path().getFileName().toString())
                    .containsExactlyInAnyOrder("broken.jar", "no-descriptor.jar");
            assertThat(problems(host)).contains("cannot be loaded");
            assertThat(host.registry().reader("gguf")).isPresent();
        }
    }

    @Test
    void aPluginBuiltForAnotherSpiIsSkipped() throws IOException {
        variant("gguf", "gguf-next.jar", java.util.Map.of("Plugin-Id", "gguf-next", "Plugin-Requires", "^2.0.0"), null);
        try (PluginHost host = load()) {
            assertThat(problems(host)).contains("gguf-next.jar skipped: plugin gguf-next requires spi ^2.0.0 but this host has spi 1.0.0");
            assertThat(host.registry().plugins()).extracting(p -> p.id()).doesNotContain("gguf-next");
        }
    }

    @Test
    void aPluginProvidingATakenIdIsSkippedWhole() throws IOException {
        variant("gguf", "gguf-fork.jar", java.util.Map.of("Plugin-Id", "gguf-fork"), null);
        try (PluginHost host = load()) {
            assertThat(problems(host)).contains("gguf-fork.jar skipped: plugin gguf-fork: reader 'gguf' is already"
                    + " provided by plugin gguf; writer 'gguf' is already provided by plugin gguf");
            assertThat(host.registry().plugins()).extracting(p -> p.id()).doesNotContain("gguf-fork");
            assertThat(host.registry().reader("gguf")).isPresent();
        }
    }

    /** The classes of the jar (or folder) that holds {@code member}, copied to a folder of their own. */
    private Path classesBeside(Class<?> member, String name) throws IOException {
        Path source = Path.of(member.getProtectionDomain().getCodeSource().getLocation().getPath());
        Path classes = dir.resolve(name);
        if (Files.isDirectory(source)) {
            copyTree(source, classes);
        } else {
            try (JarFile jar = new JarFile(source.toFile())) {
                for (JarEntry e : java.util.Collections.list(jar.entries())) {
                    if (e.getName().endsWith(".class") && !e.getName().endsWith("module-info.class")) {
                        Path target = classes.resolve(e.getName());
                        Files.createDirectories(target.getParent());
                        try (InputStream is = jar.getInputStream(e)) {
                            Files.copy(is, target);
                        }
                    }
                }
            }
        }
        return classes;
    }

    @Test
    void aPluginThatBundlesTheSpiIsRefusedWithTheReason() throws IOException {
        variant("gguf", "gguf-fat.jar", java.util.Map.of("Plugin-Id", "gguf-fat"),
                classesBeside(dev.requant.spi.FormatReader.class, "spi-classes"));
        try (PluginHost host = load()) {
            assertThat(problems(host)).contains("gguf-fat.jar skipped: plugin gguf-fat bundles its own copy of the"
                    + " requant spi (FormatReader); depend on requant-spi in provided scope");
        }
    }

    @Test
    void aPluginCannotReachTheKernelsImplementations() throws Exception {
        // what a plugin compiled against requant-kernels' internals holds: a reference to a Scalar* class
        ClassDesc internal = ClassDesc.of("dev.requant.kernels.internal.bnb.ScalarBnbKernels");
        byte[] peek = ClassFile.of().build(ClassDesc.of("x.Peek"), c -> c.withMethodBody("kernels",
                MethodTypeDesc.of(ConstantDescs.CD_Object), ClassFile.ACC_PUBLIC | ClassFile.ACC_STATIC,
                code -> code.getstatic(internal, "INSTANCE", internal).areturn()));
        Path classes = dir.resolve("peek-classes");
        Files.createDirectories(classes.resolve("x"));
        Files.write(classes.resolve("x/Peek.class"), peek);
        variant("gguf", "gguf-peek.jar", java.util.Map.of("Plugin-Id", "gguf-peek"), classes);
        try (PluginHost host = PluginHost.load(List.of(dir))) {
            assertThat(host.problems()).isEmpty();
            ClassLoader plugin = host.registry().reader("gguf").orElseThrow().getClass().getClassLoader();
            assertThat(plugin.loadClass("dev.requant.kernels.Kernels")).isSameAs(dev.requant.kernels.Kernels.class);
            Method kernels = plugin.loadClass("x.Peek").getMethod("kernels");
            assertThatThrownBy(() -> kernels.invoke(null)).cause().isInstanceOf(NoClassDefFoundError.class)
                    .cause().hasMessage("dev.requant.kernels.internal.bnb.ScalarBnbKernels is not plugin API: plugin"
                            + " gguf-peek must use dev.requant.kernels.Kernels and the kernels API packages, not"
                            + " dev.requant.kernels.internal");
        }
    }

    @Test
    void theShippedPluginsLogThroughTheHostsSlf4j() throws IOException {
        try (Stream<Path> jars = Files.list(Cli.PLUGINS)) {
            for (Path jar : jars.toList()) {
                try (JarFile j = new JarFile(jar.toFile())) {
                    assertThat(j.stream().map(JarEntry::getName)).as(jar.toString())
                            .noneMatch(n -> n.startsWith("org/slf4j/"));
                }
            }
        }
    }

    @Test
    void aPluginThatBundlesSlf4jIsLoadedWithAWarningThatItsLinesAreLost() throws IOException {
        Path plugins = dir.resolve("plugins");
        Files.createDirectories(plugins);
        Files.move(variant("gguf", "gguf-slf4j.jar", java.util.Map.of("Plugin-Id", "gguf-slf4j"),
                classesBeside(org.slf4j.Logger.class, "slf4j-classes")), plugins.resolve("gguf-slf4j.jar"));
        Path model = dir.resolve("m.gguf");
        assertThat(Cli.run("sample", model.toString(), "--layers", "1").code()).isZero();
        // the shipped gguf plugin is left out, so that this one's reader is the only gguf reader
        Cli.Result r = Cli.runExactly("inspect", model.toString(), "--plugins=" + plugins, "--config=" + Cli.CONFIG,
                "--debug");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.err()).contains("requant: WARN PluginHost: plugin gguf-slf4j (" + plugins.resolve("gguf-slf4j.jar")
                + ") bundles its own copy of slf4j-api: its log lines are lost; depend on slf4j-api in provided scope")
                .contains("requant: DEBUG Session: opened " + model + " with reader gguf")
                .doesNotContain("DEBUG GgufReader");
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t);
                }
            }
        }
    }

    @Test
    void theCliReportsSkippedPluginsOnStderrAndCarriesOn() throws IOException {
        Files.write(dir.resolve("broken.jar"), new byte[] {1, 2, 3});
        Cli.Result r = Cli.run("plugins", "--plugins=" + dir);
        assertThat(r.code()).isZero();
        assertThat(r.err()).startsWith("requant: WARN PluginHost: plugin " + dir.resolve("broken.jar") + " skipped: ");
        Cli.Result before = Cli.runExactly("--plugins=" + dir, "--plugins=" + Cli.PLUGINS,
                "--config=" + Cli.CONFIG, "plugins");
        assertThat(before.code()).as("global options go before or after the command").isZero();
        assertThat(before.err()).contains("broken.jar skipped");
        assertThat(before.out()).isEqualTo(r.out());
        assertThat(r.out()).contains("gguf 1.0.0-SNAPSHOT").contains("readers: gguf").contains("schemes: iq4_nl, iq4_xs, mxfp4, q2_k, q3_k, q4_0, q4_1, q4_k, q5_0, q5_1, q5_k, q6_k, q8_0, tq1_0, tq2_0");
    }
}
