package dev.poolstream.provider.domain;

import dev.poolstream.events.InstanceState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What to publish on {@code scalinggroup.instances.v1} so that the topic matches the cloud: instances that are new
 * or changed, and tombstones for those that vanished.
 *
 * @param upserts    instances to publish, new or changed since they were last published
 * @param tombstones provider IDs last published that the cloud no longer reports
 */
public record InventoryDiff(List<InstanceState> upserts, List<String> tombstones) {

    public InventoryDiff {
        upserts = List.copyOf(upserts);
        tombstones = List.copyOf(tombstones);
    }

    public static InventoryDiff between(Map<String, InstanceState> published, Collection<InstanceState> current) {
        List<InstanceState> upserts = new ArrayList<>();
        Set<String> present = new HashSet<>();
        for (InstanceState instance : current) {
            present.add(instance.providerID());
            if (!instance.equals(published.get(instance.providerID()))) {
                upserts.add(instance);
            }
        }
        List<String> tombstones = published.keySet().stream().filter(id -> !present.contains(id)).sorted().toList();
        return new InventoryDiff(upserts, tombstones);
    }

    public boolean isEmpty() {
        return upserts.isEmpty() && tombstones.isEmpty();
    }
}
