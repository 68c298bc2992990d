package dev.poolstream.provider.testing;

import dev.poolstream.events.SecretRef;
import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.GroupTemplate;
import java.util.List;
import java.util.Map;

/** Small builders for commands in tests. */
public final class Commands {

    public static Capacity capacity(int desired, int min, int max) {
        return new Capacity(desired, min, max, false);
    }

    /** A template without an infrastructure spec: enough for the in-memory cloud. */
    public static GroupTemplate template(String cluster, long infrastructureGeneration) {
        return template(cluster, infrastructureGeneration, "v1.33.0");
    }

    public static GroupTemplate template(String cluster, long infrastructureGeneration, String version) {
        return new GroupTemplate(cluster, version, null, infrastructureGeneration,
                new SecretRef("ns", cluster + "-bootstrap"), List.of("zone-a", "zone-b"), Map.of("team", "a"));
    }

    private Commands() {
    }
}
