package dev.gatun.core.plan;

import java.util.List;
import java.util.Map;

/** The OCI model keeps an absent list or map as {@code null} (so that it is not written); read them through here. */
public final class Absent {

    private Absent() {}

    /** {@code list}, or an empty list when it is absent. */
    public static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** {@code map}, or an empty map when it is absent. */
    public static <K, V> Map<K, V> map(Map<K, V> map) {
        return map == null ? Map.of() : map;
    }
}
