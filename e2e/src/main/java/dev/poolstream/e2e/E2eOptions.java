package dev.poolstream.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code ./e2e.sh} was asked for. The paths come from the script; the rest from the user.
 *
 * @param scenarios   which scenarios, in order
 * @param bootDelay   the simulated kubelet's boot, e.g. {@code 3s..8s}
 * @param timeout     how long a scenario may take to converge before it fails
 * @param killAfter   how long into the scale-up a kill comes
 * @param serviceArgs extra {@code --property=value} arguments per service (for trying settings; none by default)
 * @param deleteReplicas how big the pool {@code delete-pool} deletes is
 */
public record E2eOptions(List<String> scenarios, boolean smoke, String bootDelay, long seed, Duration timeout,
                         Duration killAfter, Map<String, List<String>> serviceArgs, Path root, Path work,
                         Path kafkaLibs, String testSupportClasspath, String e2eClasspath, int deleteReplicas) {

    public static final String SCALE_UP = "scale-up";
    public static final String SCALE_DOWN = "scale-down";
    public static final String KILL = "kill-";
    /** A kill scenario's flavour that kills mid scale-down (20 -> 5) instead of mid scale-up. */
    public static final String DOWN = "-down";
    public static final String BROKER = "broker";
    public static final String TWO_POOLS = "two-pools";
    public static final String DELETE_POOL = "delete-pool";
    public static final String FAILOVER = "failover-";
    public static final String BAD_INFRASTRUCTURE = "bad-infrastructure-pool";
    public static final String BAD_BOOTSTRAP = "bad-bootstrap-secret";
    public static final String BAD_KUBECONFIG = "bad-kubeconfig";
    public static final String POISON = "poison-records";
    public static final List<String> SERVICES = List.of("watcher-service", "reconciler-service", "status-service",
            "provider-aws-service");
    /** The services a second replica is started of for {@code failover-<service>}. */
    public static final List<String> FAILOVER_SERVICES = List.of("reconciler-service", "status-service");
    /**
     * Every scenario, in the order a full run takes them: each kill mid scale-up is followed by the same kill mid
     * scale-down of its pool (back from 20 to 5); the bad inputs come last, the garbage kubeconfig (a second Cluster on
     * the same API server, which stays) at the very end.
     */
    public static final List<String> ALL = List.of(SCALE_UP, SCALE_DOWN,
            "kill-watcher-service", "kill-watcher-service-down",
            "kill-reconciler-service", "kill-reconciler-service-down",
            "kill-status-service", "kill-status-service-down",
            "kill-provider-aws-service", "kill-provider-aws-service-down",
            "kill-broker", "kill-broker-down",
            TWO_POOLS, DELETE_POOL, "failover-reconciler-service", "failover-status-service",
            BAD_INFRASTRUCTURE, BAD_BOOTSTRAP, POISON, BAD_KUBECONFIG);
    public static final List<String> SMOKE = List.of(SCALE_UP, "kill-status-service");

    public static final String USAGE = """
            usage: ./e2e.sh [--smoke] [--scenarios=a,b,...] [--boot-delay=3s..8s] [--seed=42] [--timeout=180s]
                            [--kill-after=1s] [--delete-replicas=20] [--set=<service>:<property>=<value>]...
                            [--no-build]
              --smoke        scale-up and kill-status-service only (CI)
              --scenarios    any of: %s
                             (services by short name too: kill-status, kill-status-down, failover-reconciler)
              --delete-replicas  the size of the pool delete-pool deletes (20; 10 to save time)
              --set          an extra property for a service's JVM, e.g.
                             --set=reconciler-service:spring.kafka.consumer.properties[session.timeout.ms]=6000
                             (service "all" for the four); to try a setting, never needed otherwise
              --no-build     use the jars and classpaths of the last build
            """.formatted(String.join(", ", ALL));

    public static E2eOptions parse(String... args) {
        List<String> scenarios = null;
        boolean smoke = false;
        String bootDelay = "3s..8s";
        long seed = 42;
        Duration timeout = Duration.ofSeconds(180);
        Duration killAfter = Duration.ofSeconds(1);
        Map<String, List<String>> serviceArgs = new LinkedHashMap<>();
        Path root = Path.of(".");
        Path work = null;
        Path kafkaLibs = null;
        String testSupportClasspath = null;
        String e2eClasspath = null;
        int deleteReplicas = 20;
        for (String arg : args) {
            String value = arg.contains("=") ? arg.substring(arg.indexOf('=') + 1) : "";
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            switch (name) {
                case "--smoke" -> smoke = true;
                case "--scenarios" -> scenarios = scenarios(value);
                case "--boot-delay" -> bootDelay = value;
                case "--seed" -> seed = Long.parseLong(value);
                case "--timeout" -> timeout = duration(value);
                case "--kill-after" -> killAfter = duration(value);
                case "--delete-replicas" -> {
                    deleteReplicas = Integer.parseInt(value);
                    if (deleteReplicas < 1 || deleteReplicas > 100) {
                        throw new IllegalArgumentException("--delete-replicas must be 1..100: " + arg);
                    }
                }
                case "--set" -> {
                    int colon = value.indexOf(':');
                    if (colon < 1 || !value.substring(colon + 1).contains("=")) {
                        throw new IllegalArgumentException("--set needs <service>:<property>=<value>: " + arg);
                    }
                    String service = value.substring(0, colon);
                    List<String> targets = "all".equals(service) ? SERVICES : List.of(service(service));
                    for (String target : targets) {
                        serviceArgs.computeIfAbsent(target, s -> new ArrayList<>())
                                .add("--" + value.substring(colon + 1));
                    }
                }
                case "--root" -> root = Path.of(value);
                case "--work" -> work = Path.of(value);
                case "--kafka-libs" -> kafkaLibs = Path.of(value);
                case "--test-support-classpath" -> testSupportClasspath = value;
                case "--e2e-classpath" -> e2eClasspath = value;
                default -> throw new IllegalArgumentException("unknown option " + arg + "\n" + USAGE);
            }
        }
        if (scenarios == null) {
            scenarios = smoke ? SMOKE : ALL;
        } else if (smoke) {
            throw new IllegalArgumentException("--smoke and --scenarios exclude each other");
        }
        BootDelays.parse(bootDelay, seed);
        root = root.toAbsolutePath().normalize();
        if (work == null) {
            work = root.resolve("e2e/target/e2e-run");
        }
        return new E2eOptions(scenarios, smoke, bootDelay, seed, timeout, killAfter, serviceArgs, root, work,
                kafkaLibs, testSupportClasspath, e2eClasspath, deleteReplicas);
    }

    private static List<String> scenarios(String list) {
        List<String> out = new ArrayList<>();
        for (String s : list.split(",")) {
            String name = s.trim();
            if (name.isEmpty()) {
                continue;
            }
            name = fullName(name);
            if (!ALL.contains(name)) {
                throw new IllegalArgumentException("unknown scenario " + s + "; known: " + String.join(", ", ALL));
            }
            if (out.contains(name)) {
                throw new IllegalArgumentException("scenario " + name + " named twice: each runs once per run");
            }
            out.add(name);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("--scenarios names none");
        }
        return List.copyOf(out);
    }

    /** A scenario's full name: {@code kill-status-down} is {@code kill-status-service-down}. */
    static String fullName(String name) {
        if (name.startsWith(KILL)) {
            boolean down = name.endsWith(DOWN);
            String target = name.substring(KILL.length(), name.length() - (down ? DOWN.length() : 0));
            return KILL + (BROKER.equals(target) ? BROKER : service(target)) + (down ? DOWN : "");
        }
        if (name.startsWith(FAILOVER)) {
            return FAILOVER + service(name.substring(FAILOVER.length()));
        }
        return name;
    }

    /** The process a kill scenario kills ({@code kill-status-service-down}: {@code status-service}). */
    public static String killTarget(String scenario) {
        String target = scenario.substring(KILL.length());
        return target.endsWith(DOWN) ? target.substring(0, target.length() - DOWN.length()) : target;
    }

    public static boolean killDown(String scenario) {
        return scenario.startsWith(KILL) && scenario.endsWith(DOWN);
    }

    /** {@code status} and {@code status-service} both name the status service. */
    static String service(String name) {
        String full = name.endsWith("-service") ? name : name + "-service";
        if (!SERVICES.contains(full)) {
            throw new IllegalArgumentException("unknown service " + name + "; known: " + String.join(", ", SERVICES));
        }
        return full;
    }

    static Duration duration(String text) {
        String t = text.trim();
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        if (t.endsWith("s")) {
            return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
        }
        if (t.endsWith("m")) {
            return Duration.ofMinutes(Long.parseLong(t.substring(0, t.length() - 1)));
        }
        throw new IllegalArgumentException("a duration like 500ms, 1s or 3m: " + text);
    }

    public BootDelays bootDelays() {
        return BootDelays.parse(bootDelay, seed);
    }
}
