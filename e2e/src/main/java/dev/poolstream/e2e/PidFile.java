package dev.poolstream.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/**
 * Every process this run starts, one line each: {@code <pid> <start time> <name>}, the start time in clock ticks
 * since boot as {@code /proc/<pid>/stat} gives it (field 22). {@code e2e.sh} ends what is listed on any exit, and
 * only a process whose start time still matches: a pid the system has given to another process meanwhile is left
 * alone.
 */
public final class PidFile {

    private final Path file;

    public PidFile(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    public synchronized void record(long pid, String name) {
        String start = startTime(pid).orElse("0");
        try {
            Files.writeString(file, pid + " " + start + " " + name.replace(' ', '_') + "\n", StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record pid " + pid + " in " + file, e);
        }
    }

    /** Field 22 of {@code /proc/<pid>/stat}; empty where there is no such process (or no /proc). */
    public static Optional<String> startTime(long pid) {
        try {
            return parseStartTime(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The process name (field 2) is in parentheses and may hold spaces: count the fields after its last ')'. */
    static Optional<String> parseStartTime(String stat) {
        int close = stat.lastIndexOf(')');
        if (close < 0) {
            return Optional.empty();
        }
        String[] rest = stat.substring(close + 1).trim().split("\\s+");
        // rest[0] is field 3 (state): field 22 is rest[19].
        return rest.length > 19 ? Optional.of(rest[19]) : Optional.empty();
    }
}
