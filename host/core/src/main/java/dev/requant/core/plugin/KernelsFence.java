package dev.requant.core.plugin;

import java.nio.file.Path;
import org.pf4j.JarPluginLoader;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

/**
 * Loads plugin jars in class loaders that do not hand out the kernels' implementations
 * ({@code dev.requant.kernels.internal}): the plugin API covers the kernels API packages only, so
 * a plugin that reaches past them would break on any host whose kernels change inside. The
 * plugins' build already refuses such imports; this stops jars built elsewhere, when their code
 * first reaches an internal class. (Reading every class of every jar at start-up to refuse them
 * earlier costs about half a second of CPU per run with the shipped plugins, which shade their
 * libraries.)
 */
final class KernelsFence extends JarPluginLoader {
    private static final String INTERNAL = "dev.requant.kernels.internal.";

    KernelsFence(PluginManager manager) {
        super(manager);
    }

    @Override
    protected PluginClassLoader createPluginClassLoader(Path pluginPath, PluginDescriptor descriptor) {
        return new PluginClassLoader(pluginManager, descriptor, getClass().getClassLoader()) {
            @Override
            public Class<?> loadClass(String className) throws ClassNotFoundException {
                if (className.startsWith(INTERNAL)) {
                    throw new ClassNotFoundException(className + " is not plugin API: plugin "
                            + descriptor.getPluginId() + " must use dev.requant.kernels.Kernels and the kernels API"
                            + " packages, not dev.requant.kernels.internal");
                }
                return super.loadClass(className);
            }
        };
    }
}
