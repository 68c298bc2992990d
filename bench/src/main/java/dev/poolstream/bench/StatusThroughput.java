package dev.poolstream.bench;

import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.Topics;
import dev.poolstream.events.serde.EventSerializer;
import dev.poolstream.sandbox.Sandbox;
import dev.poolstream.status.stream.InternalSerde;
import dev.poolstream.status.stream.StatusMetrics;
import dev.poolstream.status.stream.StatusTopology;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyDescription;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.kafka.test.EmbeddedKafkaBroker;
import org.yaml.snakeyaml.Yaml;

/**
 * Benchmarks 4 and 5: the status topology alone, with the status service's own streams settings, on an embedded
 * broker in this JVM. For each size it seeds a steady fleet (pools of 20 Ready Nodes), lets the topology catch up,
 * measures what it keeps per Node, then queues Node Ready flips and measures how fast the topology works through
 * them, in rounds of which the last counts (the first compiles the code). With {@code -Dbench.pace=<events/s>} it
 * sends the flips at that rate while the topology runs instead, and says whether it kept up. The broker runs in the
 * same JVM and shares the 2 cores: the process CPU per event includes its work.
 */
final class StatusThroughput {

    static final int NODES_PER_POOL = 20;
    private static final Duration CATCH_UP_LIMIT = Duration.ofMinutes(15);
    /** The topology's own counters: how many looks the events cost. */
    private static final SimpleMeterRegistry METRICS = new SimpleMeterRegistry();
    /** One for every round, as a service has one: a second would register its gauge again, which Micrometer refuses. */
    private static final StatusMetrics STATUS_METRICS = new StatusMetrics(METRICS);

    /** One size's figures; {@code behindAtEndSeconds} only for paced flips (null when they were queued). */
    record Size(int nodes, int flips, double seedSeconds, double seedEventsPerSecond, long heapBytes,
                long stateDirBytes, Map<String, Long> storeBytes, double flipSeconds, double eventsPerSecond,
                double streamThreadMicrosPerEvent, double processMicrosPerEvent, double looksPerEvent,
                List<Double> earlierRoundsEventsPerSecond, Map<String, Double> microsPerEventByThread,
                Double behindAtEndSeconds, Double startSeconds) {

        long logicalStateBytes() {
            return storeBytes.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    static Map<String, Object> run(List<String> args) throws Exception {
        List<Integer> sizes = args.isEmpty() ? List.of(1_000, 10_000, 100_000)
                : args.stream().map(Integer::parseInt).toList();
        Map<String, Object> result = Bench.header("status-throughput");
        Map<String, Object> settings = streamsSettings();
        result.put("streamsSettings", settings);
        List<Size> measured = new ArrayList<>();
        for (int nodes : sizes) {
            // Every Node flips at least 3 times a round: at 20,000 events/s a fleet of 100,000 changes each Node
            // every 5 s, so a steady topology finds most Nodes it reads in its caches, not once on disk each. At
            // least 150,000 flips: rounds of 50,000 (2.5 s) at 1,000 Nodes ended before the JIT had compiled the
            // topology, and measured the compiler. -Dbench.flips=<n> sets another number.
            Size size = measure(nodes, Integer.getInteger("bench.flips", Math.max(150_000, 3 * nodes)), settings);
            measured.add(size);
            Bench.OUT.printf(Locale.ROOT, "  %,d nodes: seeded in %.1f s; %,d flips in %.2f s = %,.0f events/s, "
                            + "%.2f looks per event%s (the rounds before: %s events/s)%n", nodes,
                    size.seedSeconds(), size.flips(), size.flipSeconds(), size.eventsPerSecond(),
                    size.looksPerEvent(), PACE > 0 ? String.format(Locale.ROOT, "; sent at %,d a second, caught "
                            + "up %.2f s after the last", PACE, size.behindAtEndSeconds())
                            : String.format(Locale.ROOT, "; before them the start, with its look at each of the %,d "
                            + "pools, %.2f s", Math.max(1, nodes / NODES_PER_POOL), size.startSeconds()),
                    size.earlierRoundsEventsPerSecond().stream()
                            .map(r -> String.format(Locale.ROOT, "%,.0f", r)).collect(Collectors.joining(", ")));
        }
        result.put("sizes", measured);
        result.put("order", SPREAD ? "spread" : "pool");
        result.put("pace", PACE > 0 ? PACE : "queued");
        result.put("target", "join >= 20,000 events/s with a flat cost per event; <= 2 KiB per Node");

        Bench.OUT.println("status join throughput and memory per Node (pools of 20, the service's streams settings"
                + (SPREAD ? "; flips spread over the pools" : "; a pool's flips one after the other")
                + (PACE > 0 ? String.format(Locale.ROOT, "; sent at %,d a second", PACE) : "; queued") + ")");
        Bench.OUT.printf("  %-10s %12s %14s %14s %12s %12s %12s%n", "nodes", "events/s", "stream CPU/ev",
                "process CPU/ev", "heap/node", "state/node", "on disk/node");
        for (Size s : measured) {
            Bench.OUT.printf(Locale.ROOT, "  %-10s %12.0f %11.1f us %11.1f us %10.0f B %10.0f B %10.0f B%n",
                    String.format(Locale.ROOT, "%,d", s.nodes()), s.eventsPerSecond(), s.streamThreadMicrosPerEvent(),
                    s.processMicrosPerEvent(), (double) s.heapBytes() / s.nodes(),
                    (double) s.logicalStateBytes() / s.nodes(), (double) s.stateDirBytes() / s.nodes());
        }
        Bench.OUT.println("  process CPU per event by thread (Linux's accounting, 10 ms ticks):");
        for (Size s : measured) {
            Bench.OUT.printf(Locale.ROOT, "  %-10s %s%n", String.format(Locale.ROOT, "%,d", s.nodes()),
                    s.microsPerEventByThread().entrySet().stream().filter(e -> e.getValue() >= 0.5)
                            .map(e -> String.format(Locale.ROOT, "%s %.0f us", e.getKey(), e.getValue()))
                            .collect(Collectors.joining(", ")));
        }
        Size largest = measured.get(measured.size() - 1);
        Bench.OUT.println("  state per Node by store, at " + String.format(Locale.ROOT, "%,d", largest.nodes())
                + " nodes: " + largest.storeBytes().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue() / largest.nodes() + " B").collect(Collectors.joining(", ")));
        double slowest = measured.stream().mapToDouble(Size::eventsPerSecond).min().orElse(0);
        Bench.OUT.printf(Locale.ROOT, "  target: >= 20,000 events/s: %s (slowest size %,.0f events/s)%n",
                slowest >= 20_000 ? "met" : "missed by " + String.format(Locale.ROOT, "%,.0f", 20_000 - slowest),
                slowest);
        double worstState = measured.stream().mapToDouble(s -> (double) s.logicalStateBytes() / s.nodes()).max()
                .orElse(0);
        Bench.OUT.printf(Locale.ROOT, "  target: <= 2 KiB (2,048 B) state per Node: %s (worst %.0f B)%n",
                worstState <= 2048 ? "met" : "missed", worstState);
        return result;
    }

    private static Size measure(int nodes, int flips, Map<String, Object> settings) throws Exception {
        SteadyState fleet = new SteadyState(Math.max(1, nodes / NODES_PER_POOL), NODES_PER_POOL,
                Instant.now().minus(Duration.ofHours(1)));
        EmbeddedKafkaBroker broker = Sandbox.startBroker();
        Path stateDir = Files.createTempDirectory("poolstream-bench-status");
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                broker.getBrokersAsString()));
             KafkaProducer<String, Keyed> producer = producer(broker.getBrokersAsString())) {
            Sandbox.createTopics(admin, Stream.of(Topics.MACHINEPOOL_SPEC, Topics.NODE, Topics.SCALINGGROUP_STATE,
                    Topics.SCALINGGROUP_INSTANCES, Topics.MACHINEPOOL_STATUS, Topics.MACHINEPOOL_LIFECYCLE));
            for (int pool = 0; pool < fleet.pools(); pool++) {
                send(producer, Topics.MACHINEPOOL_SPEC.name(), fleet.spec(pool));
                send(producer, Topics.SCALINGGROUP_STATE.name(), fleet.group(pool));
            }
            for (int node = 0; node < fleet.nodes(); node++) {
                send(producer, Topics.SCALINGGROUP_INSTANCES.name(), fleet.instance(node));
                send(producer, Topics.NODE.name(), fleet.node(node, true, fleet.launched().plusSeconds(60)));
            }
            flush(producer);
            long heapBefore = heapAfterGc();

            Progress progress = new Progress(admin, (String) settings.get(StreamsConfig.APPLICATION_ID_CONFIG),
                    String.valueOf(settings.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).startsWith("exactly_once"));
            long seedStart = System.nanoTime();
            KafkaStreams streams = start(broker.getBrokersAsString(), stateDir, settings);
            progress.awaitCaughtUp();
            double seedSeconds = (System.nanoTime() - seedStart) / 1e9;
            long heapBytes = Math.max(0, heapAfterGc() - heapBefore);
            Map<String, Long> storeBytes = storeBytes(streams);
            streams.close();
            long onDisk = directorySize(stateDir);

            // Rounds of the same flips (ROUNDS): the earlier ones are reported, the last is measured.
            List<Round> rounds = new ArrayList<>();
            for (int round = 0; round < ROUNDS; round++) {
                rounds.add(flips(fleet, flips, round * flips, producer, progress, broker.getBrokersAsString(),
                        stateDir, settings));
            }
            Round warm = rounds.get(rounds.size() - 1);
            return new Size(fleet.nodes(), flips, seedSeconds, 2.0 * fleet.nodes() / seedSeconds, heapBytes, onDisk,
                    storeBytes, warm.seconds(), warm.events() / warm.seconds(),
                    warm.streamNanos() / 1e3 / warm.events(), warm.processNanos() / 1e3 / warm.events(),
                    warm.looks() / warm.events(),
                    rounds.subList(0, rounds.size() - 1).stream().map(r -> r.events() / r.seconds()).toList(),
                    perEvent(warm.cpuSecondsByThread(), warm.events()), warm.behindAtEndSeconds(), warm.startSeconds());
        } finally {
            broker.destroy();
            deleteRecursively(stateDir);
        }
    }

    private static Map<String, Double> perEvent(Map<String, Double> cpuSeconds, long events) {
        Map<String, Double> micros = new LinkedHashMap<>();
        cpuSeconds.forEach((kind, seconds) -> micros.put(kind, seconds * 1e6 / events));
        return micros;
    }

    /**
     * Rounds of flips per size (-Dbench.rounds, 3 by default, at least 2): the last counts. The first runs on a JVM
     * that has not compiled the topology's code yet; later ones on stores and topics that hold more history, as a
     * service's do.
     */
    private static final int ROUNDS = Math.max(2, Integer.getInteger("bench.rounds", 3));
    /**
     * The order the Nodes flip in (-Dbench.order): "spread" (the default), consecutive flips in different pools (a
     * prime stride through the Nodes), so that a pool's flips are spread over the round, as a fleet's changes are; or
     * "pool", each Node in turn, so that a pool's 20 Nodes flip one after the other and one look serves several.
     */
    private static final boolean SPREAD = !"pool".equals(System.getProperty("bench.order", "spread"));
    /**
     * Flips per second sent while the topology runs (-Dbench.pace), as a fleet changing at that rate sends them: each
     * arrives on time, and the topology looks at once until it falls behind. 0 (the default): queued before it starts,
     * a backlog it works off as fast as it can.
     */
    private static final int PACE = Integer.getInteger("bench.pace", 0);
    /** A prime that divides none of the sizes (1,000, 10,000, 100,000): each pass visits every Node once. */
    private static final long STRIDE = 7_919;

    /**
     * One round of flips: how long the topology took, and what it used; {@code startSeconds}, from its start to its
     * look at every pool done (queued flips only).
     */
    private record Round(double seconds, long events, long streamNanos, long processNanos, double looks,
                         Map<String, Double> cpuSecondsByThread, Double behindAtEndSeconds, Double startSeconds) {
    }

    /**
     * Each Node in turn ({@link #SPREAD}) goes Not Ready, then Ready again ({@code first} counts on from an earlier
     * round), queued
     * before the topology restarts so that it works through them as fast as it can.
     */
    private static Round flips(SteadyState fleet, int flips, int first, KafkaProducer<String, Keyed> producer,
                               Progress progress, String brokers, Path stateDir, Map<String, Object> settings)
            throws Exception {
        if (PACE > 0) {
            return pacedFlips(fleet, flips, first, producer, progress, brokers, stateDir, settings);
        }
        // A start looks at every pool again and sends each status (docs/status.md, "Delivery"): a cost per start, not
        // per event, and 100 times larger at 100 times the pools. Made and timed before the flips are queued, with
        // the topology paused meanwhile, so the round measures what the events cost.
        double looksBeforeStart = METRICS.counter("poolstream.status.looks").count();
        long startedAt = System.nanoTime();
        KafkaStreams streams = start(brokers, stateDir, settings);
        awaitLooks(looksBeforeStart + fleet.pools());
        double startSeconds = (System.nanoTime() - startedAt) / 1e9;
        streams.pause();
        Instant at = Instant.now();
        for (int i = first; i < first + flips; i++) {
            send(producer, Topics.NODE.name(), fleet.node(nodeOfFlip(fleet, i), readyInFlip(fleet, i),
                    at.plusMillis(i - first)));
        }
        flush(producer);
        long queuedFrom = progress.committed(Topics.NODE.name());
        streams.resume();
        progress.awaitCommittedBeyond(Topics.NODE.name(), queuedFrom);
        CpuClock cpu = new CpuClock((String) settings.get(StreamsConfig.APPLICATION_ID_CONFIG));
        ThreadCpu threads = new ThreadCpu();
        double looksAtStart = METRICS.counter("poolstream.status.looks").count();
        long flipStart = System.nanoTime();
        long processedAtStart = progress.committed(Topics.NODE.name()) - queuedFrom;
        progress.awaitCaughtUp();
        double seconds = (System.nanoTime() - flipStart) / 1e9;
        CpuClock.Used used = cpu.used();
        Map<String, Double> byThread = threads.used();
        double looks = METRICS.counter("poolstream.status.looks").count() - looksAtStart;
        streams.close();
        return new Round(seconds, flips - processedAtStart, used.streamNanos(), used.processNanos(), looks,
                byThread, null, startSeconds);
    }

    /** Until the topology has made {@code count} looks in all (the counter counts on over the rounds). */
    private static void awaitLooks(double count) throws Exception {
        awaitUntil(() -> METRICS.counter("poolstream.status.looks").count() >= count, 10,
                "the status topology did not look at every pool");
    }

    /** Polls {@code done} every {@code pollMillis} until it holds; fails with {@code failure} after the limit. */
    static void awaitUntil(Callable<Boolean> done, long pollMillis, String failure) throws Exception {
        Instant deadline = Instant.now().plus(CATCH_UP_LIMIT);
        while (!done.call()) {
            if (Instant.now().isAfter(deadline)) {
                throw new IllegalStateException(failure + " within " + CATCH_UP_LIMIT);
            }
            Thread.sleep(pollMillis);
        }
    }

    private static boolean readyInFlip(SteadyState fleet, int i) {
        return (i / fleet.nodes()) % 2 == 1;
    }

    private static int nodeOfFlip(SteadyState fleet, int i) {
        return SPREAD ? (int) ((long) i * STRIDE % fleet.nodes()) : i % fleet.nodes();
    }

    /**
     * The flips sent at {@link #PACE} while the topology runs: how long from the first to the topology caught up
     * with the last, and how long after the last was sent that was (a topology that keeps up catches up within about
     * a commit interval; one that does not falls further behind with every second of load).
     */
    private static Round pacedFlips(SteadyState fleet, int flips, int first, KafkaProducer<String, Keyed> producer,
                                    Progress progress, String brokers, Path stateDir, Map<String, Object> settings)
            throws Exception {
        // Serialized before the clock starts, as a fleet's watchers do it elsewhere: the sending thread shares the two
        // cores with the topology, and JSON of 20,000 Nodes a second would be a tenth of its CPU.
        EventSerializer<Keyed> json = new EventSerializer<>(URI.create("/poolstream/bench"), Clock.systemUTC());
        List<ProducerRecord<String, byte[]>> load = new ArrayList<>(flips);
        Instant at = Instant.now();
        for (int i = first + 1; i < first + flips; i++) {
            NodeState node = fleet.node(nodeOfFlip(fleet, i), readyInFlip(fleet, i), at.plusMillis(i - first));
            RecordHeaders headers = new RecordHeaders();
            byte[] value = json.serialize(Topics.NODE.name(), headers, node);
            load.add(new ProducerRecord<>(Topics.NODE.name(), null, node.key(), value, headers));
        }
        KafkaStreams streams = start(brokers, stateDir, settings);
        // Running, and through its first records: one flip sent and committed before the load starts.
        long before = progress.committed(Topics.NODE.name());
        send(producer, Topics.NODE.name(), fleet.node(nodeOfFlip(fleet, first), readyInFlip(fleet, first),
                Instant.now()));
        flush(producer);
        progress.awaitCommittedBeyond(Topics.NODE.name(), before);
        progress.awaitCaughtUp();
        CpuClock cpu = new CpuClock((String) settings.get(StreamsConfig.APPLICATION_ID_CONFIG));
        ThreadCpu threads = new ThreadCpu();
        double looksAtStart = METRICS.counter("poolstream.status.looks").count();
        long start = System.nanoTime();
        try (KafkaProducer<String, byte[]> raw = producer(brokers, new ByteArraySerializer())) {
            // Every millisecond, the flips due by then: a thread woken for each flip (every 50 us at 20,000 a
            // second) took 7 us of CPU per flip.
            int next = 0;
            while (next < load.size()) {
                long due = (long) ((System.nanoTime() - start) * 1e-9 * PACE);
                for (; next < Math.min(due, load.size()); next++) {
                    send(raw, load.get(next));
                }
                LockSupport.parkNanos(1_000_000);
            }
            flush(raw);
        }
        long sent = System.nanoTime();
        progress.awaitCaughtUp();
        long caughtUp = System.nanoTime();
        CpuClock.Used used = cpu.used();
        Map<String, Double> byThread = threads.used();
        double looks = METRICS.counter("poolstream.status.looks").count() - looksAtStart;
        streams.close();
        return new Round((caughtUp - start) / 1e9, flips - 1, used.streamNanos(), used.processNanos(), looks,
                byThread, (caughtUp - sent) / 1e9, null);
    }

    private static final String OVERRIDE = "bench.streams.";
    /** Not streams settings: the status service's look interval and max look delay, carried with them. */
    private static final String LOOK_INTERVAL = "poolstream.status.look-interval";
    private static final String MAX_LOOK_DELAY = "poolstream.status.max-look-delay";

    /**
     * The status service's streams settings and look interval, read from its own configuration file
     * (status-service.yaml).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> streamsSettings() {
        try (InputStream in = StatusTopology.class.getClassLoader().getResourceAsStream("status-service.yaml")) {
            if (in == null) {
                throw new IllegalStateException("status-service.yaml is not on the classpath");
            }
            Map<String, Object> yaml = new Yaml().load(in);
            Map<String, Object> streams = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) yaml
                    .get("spring")).get("kafka")).get("streams");
            Map<String, Object> settings = new LinkedHashMap<>((Map<String, Object>) streams.get("properties"));
            settings.put(StreamsConfig.APPLICATION_ID_CONFIG, streams.get("application-id"));
            // -Dbench.streams.<setting>=<value> runs the topology with another setting, e.g. the other guarantee.
            System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith(OVERRIDE))
                    .forEach(k -> settings.put(k.substring(OVERRIDE.length()), System.getProperty(k)));
            Map<String, Object> status = (Map<String, Object>) ((Map<String, Object>) yaml.get("poolstream"))
                    .get("status");
            // -Dbench.look-interval=<duration>, -Dbench.max-look-delay=<duration> run it with other ones.
            settings.put(LOOK_INTERVAL, DurationStyle.detectAndParse(System.getProperty("bench.look-interval",
                    String.valueOf(status.get("look-interval")))));
            settings.put(MAX_LOOK_DELAY, DurationStyle.detectAndParse(System.getProperty("bench.max-look-delay",
                    String.valueOf(status.get("max-look-delay")))));
            return settings;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Topology topology(Duration lookInterval, Duration maxLookDelay) {
        StreamsBuilder builder = new StreamsBuilder();
        StatusTopology.build(builder, lookInterval, maxLookDelay, STATUS_METRICS);
        return builder.build();
    }

    private static KafkaStreams start(String brokers, Path stateDir, Map<String, Object> settings) {
        Properties properties = new Properties();
        properties.putAll(settings);
        properties.remove(LOOK_INTERVAL);
        properties.remove(MAX_LOOK_DELAY);
        properties.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
        properties.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        KafkaStreams streams = new KafkaStreams(topology((Duration) settings.get(LOOK_INTERVAL),
                (Duration) settings.get(MAX_LOOK_DELAY)), properties);
        streams.start();
        return streams;
    }

    /**
     * The load's producer: in order per partition, without idempotence. An idempotent producer's first batches on
     * freshly created partitions were refused over and over by the embedded broker (OutOfOrderSequenceException)
     * until the delivery timeout; that would measure the broker's start, not the topology.
     */
    static KafkaProducer<String, Keyed> producer(String brokers) {
        return producer(brokers, new EventSerializer<>(URI.create("/poolstream/bench"), Clock.systemUTC()));
    }

    /** {@link #producer(String)} with another value serializer (values serialized beforehand: bytes). */
    private static <V> KafkaProducer<String, V> producer(String brokers, Serializer<V> values) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, brokers,
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false, ProducerConfig.ACKS_CONFIG, "1",
                ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
                ProducerConfig.LINGER_MS_CONFIG, 20, ProducerConfig.BATCH_SIZE_CONFIG, 512 * 1024),
                new StringSerializer(), values);
    }

    static void send(KafkaProducer<String, Keyed> producer, String topic, Keyed value) {
        send(producer, new ProducerRecord<>(topic, value.key(), value));
    }

    private static <V> void send(KafkaProducer<String, V> producer, ProducerRecord<String, V> record) {
        producer.send(record, (metadata, e) -> {
            if (e != null) {
                FAILED_SENDS.compareAndSet(null, e);
            }
        });
    }

    /** The first send that failed: a load that did not arrive is no load, so the benchmark stops. */
    private static final java.util.concurrent.atomic.AtomicReference<Exception> FAILED_SENDS =
            new java.util.concurrent.atomic.AtomicReference<>();

    static void flush(KafkaProducer<String, ?> producer) {
        producer.flush();
        if (FAILED_SENDS.get() != null) {
            throw new IllegalStateException("the load could not be sent", FAILED_SENDS.get());
        }
    }

    /** Keys and values of every store of the topology, by store: the state it keeps, whatever holds it. */
    private static Map<String, Long> storeBytes(KafkaStreams streams) {
        Map<String, Long> bytes = new LinkedHashMap<>();
        Duration any = Duration.ofSeconds(1);
        List<String> stores = topology(any, any).describe().subtopologies().stream()
                .flatMap(sub -> sub.nodes().stream())
                .flatMap(node -> node instanceof TopologyDescription.Processor p ? p.stores().stream() : Stream.empty())
                .distinct().toList();
        for (String store : stores) {
            ReadOnlyKeyValueStore<String, Object> view = streams.store(
                    StoreQueryParameters.fromNameAndType(store, QueryableStoreTypes.keyValueStore()));
            long total = 0;
            try (KeyValueIterator<String, Object> all = view.all()) {
                while (all.hasNext()) {
                    KeyValue<String, Object> entry = all.next();
                    total += entry.key.length() + valueBytes(entry.value);
                }
            }
            bytes.put(store, total);
        }
        return bytes;
    }

    /** A value's size as its store holds it: the topology's own serde. */
    @SuppressWarnings("unchecked")
    private static int valueBytes(Object value) {
        return InternalSerde.of((Class<Object>) value.getClass()).serializer().serialize("", value).length;
    }

    private static long heapAfterGc() {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return memory.getHeapMemoryUsage().getUsed();
    }

    private static long directorySize(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(f -> f.toFile().delete());
        }
    }

    /**
     * How far the topology has read: its committed offsets on the input topics and on its repartition topic,
     * against their ends (read-committed, so a transaction still open does not count).
     */
    static final class Progress {
        private final Admin admin;
        private final String applicationId;

        private final boolean transactional;

        Progress(Admin admin, String applicationId, boolean transactional) {
            this.admin = admin;
            this.applicationId = applicationId;
            this.transactional = transactional;
        }

        void awaitCaughtUp() throws Exception {
            awaitUntil(this::caughtUp, 20, "the status topology did not catch up");
        }

        void awaitCommittedBeyond(String topic, long offsets) throws Exception {
            awaitUntil(() -> committed(topic) > offsets, 10, "the status topology did not start");
        }

        /** The sum of the committed offsets of the topic's partitions. */
        long committed(String topic) throws Exception {
            return committedOffsets().entrySet().stream().filter(e -> e.getKey().topic().equals(topic))
                    .mapToLong(e -> e.getValue().offset()).sum();
        }

        private Map<TopicPartition, OffsetAndMetadata> committedOffsets() throws Exception {
            Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(admin.listConsumerGroupOffsets(
                    applicationId).partitionsToOffsetAndMetadata().get());
            offsets.values().removeIf(java.util.Objects::isNull);
            return offsets;
        }

        private boolean caughtUp() throws Exception {
            Set<String> inputs = Set.of(Topics.MACHINEPOOL_SPEC.name(), Topics.NODE.name(),
                    Topics.SCALINGGROUP_STATE.name(), Topics.SCALINGGROUP_INSTANCES.name());
            String repartition = applicationId + "-members-by-pool-repartition";
            Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets();
            Map<TopicPartition, OffsetSpec> ask = new HashMap<>();
            for (String topic : Stream.concat(inputs.stream(), Stream.of(repartition)).toList()) {
                for (int p = 0; p < Topics.PARTITIONS; p++) {
                    ask.put(new TopicPartition(topic, p), OffsetSpec.latest());
                }
            }
            if (!admin.listTopics().names().get().contains(repartition)) {
                return false; // the topology has not created its repartition topic yet
            }
            Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends =
                    admin.listOffsets(ask, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).all().get();
            for (var end : ends.entrySet()) {
                long endOffset = end.getValue().offset();
                OffsetAndMetadata at = committed.get(end.getKey());
                long position = at == null ? 0 : at.offset();
                // Under exactly-once the repartition topic is written in transactions: its last entry is a commit
                // marker, which the topology reads past without committing an offset for it.
                long slack = transactional && end.getKey().topic().equals(repartition) && endOffset > 0 ? 1 : 0;
                if (position < endOffset - slack) {
                    return false;
                }
            }
            return true;
        }
    }

    /** CPU time used since it was made: by the topology's threads, and by the whole process (broker included). */
    static final class CpuClock {
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final String applicationId;
        private final Map<Long, Long> streamStart;
        private final long processStart;

        record Used(long streamNanos, long processNanos) {
        }

        CpuClock(String applicationId) {
            this.applicationId = applicationId;
            this.streamStart = streamThreadCpu();
            this.processStart = processCpu();
        }

        Used used() {
            long stream = 0;
            for (var entry : streamThreadCpu().entrySet()) {
                stream += entry.getValue() - streamStart.getOrDefault(entry.getKey(), 0L);
            }
            return new Used(stream, processCpu() - processStart);
        }

        /** The stream threads and their producers' network threads. */
        private Map<Long, Long> streamThreadCpu() {
            Map<Long, Long> cpu = new HashMap<>();
            for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
                if (info != null && info.getThreadName().contains(applicationId)) {
                    long nanos = threads.getThreadCpuTime(info.getThreadId());
                    if (nanos >= 0) {
                        cpu.put(info.getThreadId(), nanos);
                    }
                }
            }
            return cpu;
        }

        private static long processCpu() {
            return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                    .getProcessCpuTime();
        }
    }

    private StatusThroughput() {
    }
}
