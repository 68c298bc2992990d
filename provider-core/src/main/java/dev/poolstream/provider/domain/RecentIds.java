package dev.poolstream.provider.domain;

import java.util.LinkedHashMap;
import java.util.Map;

/** The ids of the most recent commands carried out, bounded: a command whose id is here is not carried out again. */
public final class RecentIds {

    private final Map<String, Boolean> ids;

    public RecentIds(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, got " + capacity);
        }
        this.ids = new LinkedHashMap<>(16, 0.75f, false) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > capacity;
            }
        };
    }

    public synchronized boolean contains(String id) {
        return id != null && ids.containsKey(id);
    }

    public synchronized void add(String id) {
        if (id != null) {
            ids.put(id, Boolean.TRUE);
        }
    }

    public synchronized int size() {
        return ids.size();
    }
}
