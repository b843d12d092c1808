package dev.requant.plugins.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.requant.spi.BadInputException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonValuesTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void valuesArePlainJavaValuesInDocumentOrder() throws MalformedJsonException {
        Object v = JsonValues.parse(utf8("{\"b\": 1, \"a\": [2.5, true, null, \"x\"], \"big\": 123456789012345678901234}"),
                true);
        Map<String, Object> o = JsonValues.asObject(v).orElseThrow();
        assertThat(o.keySet()).containsExactly("b", "a", "big");
        assertThat(o.get("a")).isEqualTo(java.util.Arrays.asList(2.5, true, null, "x"));
        assertThat(JsonValues.integer(o, "b")).contains(1L);
        assertThat(o.get("big")).isEqualTo(1.2345678901234568e23);
        assertThat(JsonValues.string(o, "b")).isEmpty();
        assertThat(JsonValues.object(Map.of("q", Map.of("bits", 4L)), "q")).contains(Map.of("bits", 4L));
        assertThat(JsonValues.integer(Map.of("g", 128.0), "g")).contains(128L);
        assertThat(JsonValues.bool(Map.of("sym", true), "sym")).contains(true);
        assertThat(JsonValues.asObject(List.of())).isEmpty();
    }

    @Test
    void duplicateKeysTakeTheLastUnlessRefused() throws MalformedJsonException {
        byte[] twice = utf8("{\"bits\": 4, \"bits\": 8}");
        assertThat(JsonValues.parseObject(twice)).containsEntry("bits", 8L);
        assertThatThrownBy(() -> JsonValues.parse(twice, true)).isInstanceOf(MalformedJsonException.class)
                .hasMessageContaining("Duplicate Object property \"bits\"");
    }

    @Test
    void malformedDocumentsSayWhereAndWhy() {
        assertThatThrownBy(() -> JsonValues.parse(utf8("{\"a\": 1} [2]"), false))
                .hasMessage("byte 9: something follows the end of the document");
        assertThatThrownBy(() -> JsonValues.parse(new byte[0], false)).hasMessage("byte 0: the document is empty");
        assertThatThrownBy(() -> JsonValues.parse(Path.of("config.json"), utf8("{\"a\": }")))
                .isInstanceOf(BadInputException.class).hasMessageStartingWith("config.json: offset 6: invalid JSON: ");
        assertThatThrownBy(() -> JsonValues.parseObject(utf8("[1]"))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a JSON object");
        assertThatThrownBy(() -> JsonValues.parseObject(utf8("{\"a\": tru}")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("byte ");
    }
}
