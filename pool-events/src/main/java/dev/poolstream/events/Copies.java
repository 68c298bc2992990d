package dev.poolstream.events;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Null-tolerant immutable copies for record components: an absent list or map reads as empty. */
public final class Copies {

    public static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : List.copyOf(list);
    }

    /** Sorted, so that equal maps also serialise to equal bytes. */
    public static Map<String, String> map(Map<String, String> map) {
        return map == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(map));
    }

    private Copies() {
    }
}
