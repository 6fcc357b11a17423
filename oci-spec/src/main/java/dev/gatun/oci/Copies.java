package dev.gatun.oci;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** Defensive copies for the model's compact constructors: absent stays {@code null}, order is kept. */
final class Copies {

    private Copies() {}

    static <T> List<T> list(List<T> list) {
        if (list == null) {
            return null;
        }
        // List.copyOf would throw a bare NullPointerException on a JSON null element.
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null) {
                throw new IllegalArgumentException("element " + i + " is null");
            }
        }
        return List.copyOf(list);
    }

    static <V> Map<String, V> map(Map<String, V> map) {
        if (map == null) {
            return null;
        }
        // Map.copyOf would lose the document's key order, which a round trip keeps.
        for (Map.Entry<String, V> e : map.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                throw new IllegalArgumentException("entry " + e.getKey() + " is null");
            }
        }
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    static Map<String, JsonNode> extra(Map<String, JsonNode> extra) {
        if (extra == null || extra.isEmpty()) {
            return Map.of();
        }
        Map<String, JsonNode> copy = new LinkedHashMap<>();
        extra.forEach((k, v) -> copy.put(k, node(v)));
        return Collections.unmodifiableMap(copy);
    }

    static JsonNode node(JsonNode node) {
        return node == null ? null : node.deepCopy();
    }
}
