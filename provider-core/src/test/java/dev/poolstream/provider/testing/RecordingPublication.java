package dev.poolstream.provider.testing;

import dev.poolstream.events.ScalingGroupState;
import dev.poolstream.provider.domain.InventoryDiff;
import dev.poolstream.provider.engine.Publication;
import java.util.ArrayList;
import java.util.List;

/** Remembers what the engine published, in order. */
public class RecordingPublication implements Publication {

    public final List<InventoryDiff> diffs = new ArrayList<>();
    public final List<ScalingGroupState> states = new ArrayList<>();

    @Override
    public synchronized void publish(InventoryDiff instances, ScalingGroupState state) {
        diffs.add(instances);
        if (state != null) {
            states.add(state);
        }
    }

    public synchronized ScalingGroupState lastState() {
        return states.get(states.size() - 1);
    }

    public synchronized List<String> tombstones() {
        return diffs.stream().flatMap(d -> d.tombstones().stream()).toList();
    }

    public synchronized int upserts() {
        return diffs.stream().mapToInt(d -> d.upserts().size()).sum();
    }
}
