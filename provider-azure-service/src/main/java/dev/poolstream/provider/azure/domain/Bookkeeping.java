package dev.poolstream.provider.azure.domain;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;

/**
 * What Poolstream keeps on the scale set itself, as tags, so that the scale set alone says what was applied (the
 * service keeps no state of its own): the pool's min and max size (a scale set has none) and the fingerprint of the
 * model last written (Azure never returns the custom data, so the model cannot be compared field by field).
 */
public final class Bookkeeping {

    public static final String MIN_SIZE = "poolstream.dev_min-size";
    public static final String MAX_SIZE = "poolstream.dev_max-size";
    public static final String MODEL = "poolstream.dev_model";

    public static OptionalInt minSize(Map<String, String> tags) {
        return number(tags, MIN_SIZE);
    }

    public static OptionalInt maxSize(Map<String, String> tags) {
        return number(tags, MAX_SIZE);
    }

    public static String model(Map<String, String> tags) {
        return tags == null ? null : tags.get(MODEL);
    }

    /**
     * The tags to write: everything the scale set carries now, then {@code changes}, then the bookkeeping values that
     * are not null. ARM replaces a resource's tags as a whole on PATCH, so a tag update always sends all of them.
     */
    public static Map<String, String> merged(Map<String, String> current, Map<String, String> changes, Integer min,
                                             Integer max, String model) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (current != null) {
            tags.putAll(current);
        }
        if (changes != null) {
            tags.putAll(changes);
        }
        if (min != null) {
            tags.put(MIN_SIZE, Integer.toString(min));
        }
        if (max != null) {
            tags.put(MAX_SIZE, Integer.toString(max));
        }
        if (model != null) {
            tags.put(MODEL, model);
        }
        return tags;
    }

    private static OptionalInt number(Map<String, String> tags, String key) {
        String value = tags == null ? null : tags.get(key);
        if (value == null) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    private Bookkeeping() {
    }
}
