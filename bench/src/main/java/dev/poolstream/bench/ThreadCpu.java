package dev.poolstream.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where a process's CPU goes, by kind of thread, from Linux's own accounting ({@code /proc/self/task}): the JVM's
 * GC and JIT threads and RocksDB's native threads are there too, which the JVM's thread MXBean does not see. Thread
 * names are cut to 15 characters there, so kinds go by prefix. Empty where there is no {@code /proc}.
 */
final class ThreadCpu {

    /** Kinds of thread, by the prefix of their name; the first that matches counts. */
    private static final List<Map.Entry<String, String>> KINDS = List.of(
            Map.entry("poolstream-stat", "stream thread"),
            Map.entry("kafka-producer-", "producer network"),
            Map.entry("data-plane-kafk", "broker"),
            Map.entry("kafka-", "broker"),
            Map.entry("group-coordinat", "broker"),
            Map.entry("quorum-", "broker"),
            Map.entry("raft-", "broker"),
            Map.entry("transaction-", "broker"),
            Map.entry("GC Thread", "GC"),
            Map.entry("G1 ", "GC"),
            Map.entry("C1 Compiler", "JIT"),
            Map.entry("C2 Compiler", "JIT"),
            Map.entry("rocksdb", "RocksDB"));
    private static final Path TASKS = Path.of("/proc/self/task");
    /** USER_HZ: the unit of utime and stime in {@code stat}, 100 on every Linux this runs on. */
    private static final long TICKS_PER_SECOND = 100;

    private final Map<String, Long> start = ticksByThread();

    /** CPU seconds used since this was made, by kind of thread, largest first. */
    Map<String, Double> used() {
        Map<String, Long> now = ticksByThread();
        Map<String, Double> byKind = new HashMap<>();
        now.forEach((thread, ticks) -> {
            long before = start.getOrDefault(thread, 0L);
            byKind.merge(kind(thread.substring(thread.indexOf(' ') + 1)),
                    (double) (ticks - before) / TICKS_PER_SECOND, Double::sum);
        });
        Map<String, Double> sorted = new LinkedHashMap<>();
        byKind.entrySet().stream().sorted(Map.Entry.<String, Double>comparingByValue().reversed())
                .forEach(e -> sorted.put(e.getKey(), e.getValue()));
        return sorted;
    }

    private static String kind(String name) {
        return KINDS.stream().filter(k -> name.startsWith(k.getKey())).map(Map.Entry::getValue).findFirst()
                .orElse("other");
    }

    /** utime + stime of every thread, keyed by "tid name". */
    private static Map<String, Long> ticksByThread() {
        Map<String, Long> ticks = new HashMap<>();
        if (!Files.isDirectory(TASKS)) {
            return ticks;
        }
        try (Stream<Path> tasks = Files.list(TASKS)) {
            tasks.forEach(task -> {
                try {
                    String stat = Files.readString(task.resolve("stat"));
                    // "tid (name) state ppid ...": the name can hold spaces and parentheses; the fields follow the last ')'.
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    ticks.put(task.getFileName() + " " + name, Long.parseLong(fields[11]) + Long.parseLong(fields[12]));
                } catch (IOException | RuntimeException e) {
                    // The thread ended between the listing and the read: its time since the first snapshot is lost.
                }
            });
        } catch (IOException e) {
            return ticks;
        }
        return ticks;
    }
}
