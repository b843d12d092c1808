package dev.requant.plugins.ggmlquants;

import static org.assertj.core.api.Assertions.assertThat;

import dev.requant.spi.QuantScheme;
import java.io.InputStream;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** PF4J finds the fifteen schemes: they are in the extension index and have public no-arg constructors. */
class ExtensionIndexTest {
    @Test
    void indexListsTheFifteenSchemes() throws Exception {
        List<String> listed = new ArrayList<>();
        // this plugin's own index: other jars on the test class path (pf4j itself) have one too
        URL classes = Q8_0Scheme.class.getProtectionDomain().getCodeSource().getLocation();
        try (InputStream in = classes.toURI().resolve("META-INF/extensions.idx").toURL().openStream()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank() && !line.startsWith("#")) {
                    listed.add(line.strip());
                }
            }
        }
        assertThat(listed).containsExactlyInAnyOrderElementsOf(GgmlBlockSchemeTest.schemes().stream()
                .map(s -> s.getClass().getName()).toList());

        List<String> ids = new ArrayList<>();
        for (String name : listed) {
            Class<?> type = Class.forName(name);
            assertThat(Modifier.isAbstract(type.getModifiers())).as(name + " is concrete").isFalse();
            ids.add(((QuantScheme) type.getConstructor().newInstance()).id());
        }
        assertThat(ids).containsExactlyInAnyOrder("q8_0", "q4_0", "q4_1", "q5_0", "q5_1", "q2_k", "q3_k", "q4_k",
                "q5_k", "q6_k", "iq4_nl", "iq4_xs", "tq1_0", "tq2_0", "mxfp4");
    }
}
