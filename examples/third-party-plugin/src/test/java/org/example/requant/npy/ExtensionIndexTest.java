package org.example.requant.npy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** PF4J finds extensions through the index its annotation processor writes; without it the plugin offers nothing. */
class ExtensionIndexTest {
    @Test
    void theIndexListsTheReaderAndTheWriter() throws IOException {
        try (InputStream in = NpzReader.class.getClassLoader().getResourceAsStream("META-INF/extensions.idx")) {
            assertThat(in).as("META-INF/extensions.idx (is the PF4J annotation processor configured?)").isNotNull();
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8).lines())
                    .contains(NpzReader.class.getName(), NpzWriter.class.getName());
        }
    }
}
