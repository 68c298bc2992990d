package dev.poolstream.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One process of the run (the broker, the API server's launcher, moto, the kubelet, a service): started with its
 * command, environment and log file, its pid (and its children's, where it has any) recorded in the {@link PidFile}
 * the moment it starts; killed with SIGKILL by a scenario and started again with the same command; stopped with
 * SIGTERM, then SIGKILL, at the end.
 */
public final class ManagedProcess {

    private final String name;
    private final List<String> command;
    private final Map<String, String> environment;
    private final boolean inheritEnvironment;
    private final Path log;
    private final PidFile pids;
    private final List<ProcessHandle> children = new ArrayList<>();
    private volatile Process process;
    private volatile Instant startedAt;
    private int starts;

    /**
     * @param inheritEnvironment whether the process sees this JVM's environment (plus {@code environment}); the
     *                           services do not, as a container would not: they get {@code environment} and PATH,
     *                           HOME, JAVA_HOME, LANG only
     */
    public ManagedProcess(String name, List<String> command, Map<String, String> environment,
                          boolean inheritEnvironment, Path log, PidFile pids) {
        this.name = name;
        this.command = List.copyOf(command);
        this.environment = Map.copyOf(environment);
        this.inheritEnvironment = inheritEnvironment;
        this.log = log;
        this.pids = pids;
    }

    public String name() {
        return name;
    }

    public Path log() {
        return log;
    }

    public synchronized Instant start() {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(Redirect.appendTo(log.toFile()));
        Map<String, String> env = builder.environment();
        if (!inheritEnvironment) {
            Map<String, String> keep = new java.util.HashMap<>();
            for (String variable : List.of("PATH", "HOME", "JAVA_HOME", "LANG", "TZ", "USER")) {
                String value = System.getenv(variable);
                if (value != null) {
                    keep.put(variable, value);
                }
            }
            env.clear();
            env.putAll(keep);
        }
        env.putAll(environment);
        starts++;
        try {
            Files.writeString(log, "==== e2e: start #" + starts + " of " + name + " at " + Instant.now() + ": "
                    + String.join(" ", command) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name + ": " + String.join(" ", command), e);
        }
        startedAt = Instant.now();
        pids.record(process.pid(), name);
        return startedAt;
    }

    /** Records the children the process has started so far (the API server's launcher starts etcd and kube-apiserver). */
    public synchronized void recordChildren() {
        Process p = process;
        if (p == null) {
            return;
        }
        p.toHandle().descendants().filter(h -> children.stream().noneMatch(c -> c.pid() == h.pid()))
                .forEach(h -> {
                    children.add(h);
                    pids.record(h.pid(), name + "-child");
                });
    }

    public List<ProcessHandle> children() {
        return List.copyOf(children);
    }

    public boolean alive() {
        Process p = process;
        return p != null && p.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    public Instant startedAt() {
        return startedAt;
    }

    /** SIGKILL, as {@code kill -9}; returns once the process is gone. */
    public Instant kill() {
        Process p = process;
        Instant at = Instant.now();
        p.destroyForcibly();
        try {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException(name + " (pid " + p.pid() + ") survived SIGKILL for 30 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return at;
    }

    /** SIGTERM, then SIGKILL after {@code grace}; the children recorded too. */
    public void stop(Duration grace) {
        Process p = process;
        if (p == null) {
            return;
        }
        recordChildren();
        if (p.isAlive()) {
            p.destroy();
            try {
                if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(10, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
        for (ProcessHandle child : children) {
            if (child.isAlive()) {
                child.destroy();
            }
        }
        for (ProcessHandle child : children) {
            try {
                child.onExit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (Exception e) {
                child.destroyForcibly();
            }
        }
    }

    /** The last lines of the log, for a failure message. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
