package dev.poolstream.provider.domain;

import dev.poolstream.events.InstanceLifecycle;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

final class Snapshots {

    static InstanceSnapshot instance(String id, InstanceLifecycle lifecycle, String version) {
        return new InstanceSnapshot(id, "aws:///us-east-1a/" + id, "us-east-1a", lifecycle, lifecycle.name(), version,
                Instant.parse("2026-01-01T00:00:00Z"));
    }

    static GroupSnapshot group(int desired, int min, int max, String version, int running) {
        List<InstanceSnapshot> instances = new ArrayList<>();
        for (int i = 0; i < running; i++) {
            instances.add(instance("i-" + i, InstanceLifecycle.RUNNING, version));
        }
        return new GroupSnapshot("g", false, desired, min, max, version, List.of("us-east-1a", "us-east-1b"),
                Map.of("Name", "g"), false, instances);
    }

    static GroupSnapshot with(GroupSnapshot g, List<InstanceSnapshot> instances) {
        return new GroupSnapshot(g.group(), g.deleting(), g.desired(), g.min(), g.max(), g.templateVersion(),
                g.placement(), g.tags(), g.rolloutInFlight(), instances);
    }

    static GroupSnapshot deleting(GroupSnapshot g) {
        return new GroupSnapshot(g.group(), true, g.desired(), g.min(), g.max(), g.templateVersion(), g.placement(),
                g.tags(), g.rolloutInFlight(), g.instances());
    }

    private Snapshots() {
    }
}
