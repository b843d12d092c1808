package dev.requant.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import java.util.Map;
import java.util.Objects;
import org.slf4j.LoggerFactory;

/**
 * Applies {@code --debug} to logback. The levels stay in {@code config/logback.xml}, which reads
 * them from two variables; a command sets those variables and, when they change, logback reads its
 * configuration again (a command line runs once per JVM, but tests and embedders run many).
 */
final class Logging {
    /** The variables {@code config/logback.xml} reads, as {@code --debug} sets them. */
    private static final Map<String, String> DEBUG = Map.of("requant.log.level", "DEBUG", "requant.pf4j.log.level", "WARN");

    private Logging() {
    }

    static void configure(boolean debug) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another slf4j provider: its own configuration decides
        }
        Map<String, String> wanted = debug ? DEBUG : Map.of();
        if (DEBUG.keySet().stream().allMatch(k -> Objects.equals(context.getProperty(k), wanted.get(k)))) {
            return;
        }
        context.reset();
        wanted.forEach(context::putProperty);
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            throw new IllegalStateException("the logging configuration cannot be read again: " + e.getMessage(), e);
        }
    }
}
