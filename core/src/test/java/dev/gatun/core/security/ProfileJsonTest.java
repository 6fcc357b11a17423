package dev.gatun.core.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.ObjectReadContext;
import tools.jackson.core.json.JsonFactory;

class ProfileJsonTest {

    @Test
    void theBundledProfileReadsToTheTreeJacksonsStreamingParserMadeOfIt() throws IOException {
        String json;
        try (InputStream in = ContainersSeccompProfile.class.getResourceAsStream("containers-common-seccomp.json")) {
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(ProfileJson.read(json)).isEqualTo(jackson(json));
    }

    @Test
    void valuesBecomePlainJavaValues() {
        String json = """
                {"s": "a\\"b\\\\c\\/d\\n\\u00e9\\u2603", "i": -12, "big": 18446744073709551615, "f": 1.5e3,
                 "t": true, "n": null, "l": [1, [], {}], "dup": 1, "dup": 2, "empty": ""}""";
        Object tree = ProfileJson.read(json);
        assertThat(tree).isEqualTo(jackson(json));
        @SuppressWarnings("unchecked")
        Map<String, Object> map = (Map<String, Object>) tree;
        assertThat(map.get("s")).isEqualTo("a\"b\\c/d\né☃");
        assertThat(map.get("big")).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(map.get("f")).isEqualTo(new BigDecimal("1.5e3"));
        assertThat(map.get("dup")).isEqualTo(BigInteger.TWO);
        assertThat(map).containsEntry("n", null).containsEntry("t", true);
        assertThat(ProfileJson.read("  ")).isNull();
    }

    @Test
    void whatIsNotExactlyOneJsonValueIsRefusedNamingTheOffset() {
        for (String bad : List.of("{", "{\"a\" 1}", "{\"a\": 1,}", "[1 2]", "[01]", "[1.]", "[-]", "\"a", "\"\t\"",
                "\"\\x\"", "\"\\u12\"", "tru", "{a: 1}", "[1e]", "nul")) {
            assertThatThrownBy(() -> ProfileJson.read(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not valid JSON").hasMessageContaining("offset");
        }
        assertThatThrownBy(() -> ProfileJson.read("{} {}")).hasMessageContaining("content after its JSON value");
    }

    @Test
    void nestingIsLimitedSoThatAHostileProfileCannotExhaustTheStack() {
        String deep = "[".repeat(ProfileJson.MAX_DEPTH + 1) + "]".repeat(ProfileJson.MAX_DEPTH + 1);
        assertThatThrownBy(() -> ProfileJson.read(deep)).hasMessageContaining("nesting deeper than");
        String ok = "[".repeat(ProfileJson.MAX_DEPTH) + "]".repeat(ProfileJson.MAX_DEPTH);
        assertThat(ProfileJson.read(ok)).isInstanceOf(List.class);
    }

    /** What ContainersSeccompProfile read with Jackson's streaming parser before ProfileJson. */
    private static Object jackson(String json) {
        try (JsonParser p = new JsonFactory().createParser(ObjectReadContext.empty(), json)) {
            p.nextToken();
            return value(p);
        }
    }

    private static Object value(JsonParser p) {
        return switch (p.currentToken()) {
            case START_OBJECT -> {
                Map<String, Object> map = new LinkedHashMap<>();
                while (p.nextToken() != JsonToken.END_OBJECT) {
                    String key = p.currentName();
                    p.nextToken();
                    map.put(key, value(p));
                }
                yield map;
            }
            case START_ARRAY -> {
                List<Object> list = new ArrayList<>();
                while (p.nextToken() != JsonToken.END_ARRAY) {
                    list.add(value(p));
                }
                yield list;
            }
            case VALUE_STRING -> p.getString();
            case VALUE_NUMBER_INT -> p.getBigIntegerValue();
            case VALUE_NUMBER_FLOAT -> p.getDecimalValue();
            case VALUE_TRUE -> Boolean.TRUE;
            case VALUE_FALSE -> Boolean.FALSE;
            default -> null;
        };
    }
}
