package dev.poolstream.provider.domain;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Predicate;

/** The pools this provider instance looks after, rebuilt from Kafka on start and on every partition assignment. */
public final class Inventory {

    private final ConcurrentMap<String, PoolRecord> pools = new ConcurrentHashMap<>();

    public Optional<PoolRecord> get(String pool) {
        return Optional.ofNullable(pools.get(pool));
    }

    /**
     * The pool's record, created for {@code group} if the pool is new. A known pool keeps its group whatever a command
     * names: only a command carried out on a group described as the pool's own moves it ({@link PoolRecord#group}),
     * for a record that followed any name would publish another group's instances, or none, as the pool's.
     */
    public PoolRecord track(String pool, String group) {
        return pools.computeIfAbsent(pool, p -> new PoolRecord(p, group));
    }

    public void put(PoolRecord record) {
        pools.put(record.pool(), record);
    }

    /**
     * Adds the record unless the pool is known already (a command may have tracked it meanwhile, on another
     * thread): says whether it was added.
     */
    public boolean putIfAbsent(PoolRecord record) {
        return pools.putIfAbsent(record.pool(), record) == null;
    }

    public void forget(String pool) {
        pools.remove(pool);
    }

    public void forgetIf(Predicate<String> pool) {
        pools.keySet().removeIf(pool);
    }

    public List<PoolRecord> all() {
        return List.copyOf(pools.values());
    }
}
