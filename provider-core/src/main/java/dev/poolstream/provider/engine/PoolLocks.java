package dev.poolstream.provider.engine;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.locks.ReentrantLock;

/** One lock per pool: a pool's commands and polls never run at the same time. */
public final class PoolLocks {

    private final ConcurrentMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public ReentrantLock of(String pool) {
        return locks.computeIfAbsent(pool, p -> new ReentrantLock());
    }
}
