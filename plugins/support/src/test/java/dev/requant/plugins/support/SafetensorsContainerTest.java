package dev.requant.plugins.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.BadInputException;
import dev.requant.spi.Detection;
import dev.requant.spi.Metadata;
import dev.requant.spi.ModelSource;
import dev.requant.spi.ReaderContext;
import dev.requant.spi.SourceTensor;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SafetensorsContainerTest {
    private static final Path FILE = Path.of("model.safetensors");

    /** A container that counts how often it was closed. */
    private static final class Container implements ModelSource {
        int closed;

        @Override
        public String format() {
            return SafetensorsContainer.READER;
        }

        @Override
        public Metadata metadata() {
            return new Metadata();
        }

        @Override
        public List<SourceTensor> tensors() {
            return List.of();
        }

        @Override
        public void close() {
            closed++;
        }
    }

    private static ReaderContext giving(Container c) {
        return (readerId, path) -> {
            assertThat(readerId).isEqualTo("safetensors");
            return c;
        };
    }

    @Test
    void detectionClosesTheContainerAndTakesAnyFailureForNone() {
        Container c = new Container();
        assertThat(SafetensorsContainer.detect(FILE, giving(c), container -> true)).isEqualTo(Detection.LAYOUT);
        assertThat(SafetensorsContainer.detect(FILE, giving(c), container -> false)).isEqualTo(Detection.NONE);
        assertThat(SafetensorsContainer.detect(FILE, giving(c), container -> {
            throw new IllegalStateException("garbage");
        })).isEqualTo(Detection.NONE);
        assertThat(c.closed).isEqualTo(3);
        ReaderContext noContainer = (readerId, path) -> {
            throw BadInputException.at(path, 0, "not safetensors");
        };
        assertThat(SafetensorsContainer.detect(FILE, noContainer, container -> true)).isEqualTo(Detection.NONE);
    }

    @Test
    void openingKeepsTheContainerOpenUnlessBuildingFails() throws IOException {
        Container c = new Container();
        assertThat(SafetensorsContainer.open(FILE, giving(c), container -> container)).isSameAs(c);
        assertThat(c.closed).isZero();
        assertThatThrownBy(() -> SafetensorsContainer.open(FILE, giving(c), container -> {
            throw BadInputException.of(FILE, "a layer is inconsistent");
        })).hasMessageContaining("a layer is inconsistent");
        assertThat(c.closed).isEqualTo(1);
    }
}
