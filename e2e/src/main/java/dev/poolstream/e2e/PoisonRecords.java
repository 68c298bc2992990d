package dev.poolstream.e2e;

import dev.poolstream.e2e.Checks.DeadLetter;
import dev.poolstream.e2e.Observer.InstanceView;
import dev.poolstream.e2e.Scenarios.Convergence;
import dev.poolstream.events.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A record that is not JSON ({@value #POISON_TEXT}) on every topic a service reads, keyed as the real records of an
 * otherwise healthy pool are (its pool key; on the two topics keyed by provider ID, one of its instances' provider
 * ID). The pipeline must keep running (the healthy pool's 5 → 7 within its bound, and the poisoned pool's own
 * 5 → 7), each poison record must land on {@code <topic>.DLT} exactly once with the {@value #REASON_HEADER} header,
 * the service must log it with its key, and a restart of the reconciler (which reads its topics back from their
 * start) must not dead-letter them again. Afterwards a poison record that is still its key's latest on a compacted
 * topic is covered by a copy of the key's record before it, so that the rest of the run reads no poison.
 */
final class PoisonRecords {

    static final String POOL = "poison";
    static final String POISON_TEXT = "not json {";
    static final byte[] POISON = POISON_TEXT.getBytes(StandardCharsets.UTF_8);
    static final String REASON_HEADER = "poolstream-dlt-reason";
    /** Every topic a service reads. */
    static final List<String> TOPICS = List.of(Topics.MACHINEPOOL_SPEC.name(), Topics.NODE.name(),
            Topics.SCALINGGROUP_STATE.name(), Topics.SCALINGGROUP_INSTANCES.name(), Topics.MACHINEPOOL_STATUS.name(),
            Topics.SCALINGGROUP_COMMANDS_AWS.name());

    /** Where a poison record went. */
    record Sent(String topic, String key, int partition, long offset) {
        String at() {
            return topic + "-" + partition + "@" + offset;
        }
    }

    private final Environment env;
    private final Observer observer;
    private final Pools pools;
    private final Scenarios scenarios;
    private final PrintStream out;
    private final Duration timeout;

    PoisonRecords(Environment env, Observer observer, Pools pools, Scenarios scenarios, PrintStream out) {
        this.env = env;
        this.observer = observer;
        this.pools = pools;
        this.scenarios = scenarios;
        this.out = out;
        this.timeout = env.options().timeout();
    }

    Result run() throws Exception {
        Result r = new Result(E2eOptions.POISON, "'" + POISON_TEXT + "' on " + TOPICS.size() + " topics, keyed as "
                + POOL + "'s records; " + BadInputs.HEALTHY + " and " + POOL + " 5 -> 7");
        Duration baseline = scenarios.healthyBaseline(BadInputs.HEALTHY, BadInputs.HEALTHY_FROM, BadInputs.HEALTHY_TO,
                r);
        Duration bound = Checks.bound(baseline, BadInputs.SLACK);
        scenarios.ensureAt(POOL, BadInputs.HEALTHY_FROM);
        String poolKey = pools.key(POOL);
        String providerId = observer.instances(poolKey).stream().filter(InstanceView::live)
                .map(InstanceView::providerId).sorted().findFirst()
                .orElseThrow(() -> new IllegalStateException(POOL + " has no running instance"));
        Map<String, String> keys = new LinkedHashMap<>();
        for (String topic : TOPICS) {
            boolean byProviderId = topic.equals(Topics.NODE.name()) || topic.equals(Topics.SCALINGGROUP_INSTANCES.name());
            keys.put(topic, byProviderId ? providerId : poolKey);
        }
        List<DeadLetter> dltBefore = readDeadLetters();

        Instant change = Instant.now();
        List<Sent> sent = send(keys);
        r.row("poison records", String.join(", ", sent.stream().map(Sent::at).toList()));
        pools.scale(BadInputs.HEALTHY, BadInputs.HEALTHY_TO);
        pools.scale(POOL, BadInputs.HEALTHY_TO);
        ExecutorService waits = Executors.newFixedThreadPool(2);
        try {
            Future<Convergence> healthy = waits.submit(() -> scenarios.await(BadInputs.HEALTHY, BadInputs.HEALTHY_TO,
                    timeout));
            Future<Convergence> poisoned = waits.submit(() -> scenarios.await(POOL, BadInputs.HEALTHY_TO, timeout));
            Convergence h = healthy.get();
            Convergence p = poisoned.get();
            Double hs = h.at() == null ? null : Scenarios.seconds(change, h.at());
            Double ps = p.at() == null ? null : Scenarios.seconds(change, p.at());
            r.seconds("undisturbed " + BadInputs.HEALTHY + " 5 -> 7 (this run)", baseline.toMillis() / 1000.0);
            r.undisturbed(baseline.toMillis() / 1000.0);
            r.seconds(BadInputs.HEALTHY + " 5 -> 7 after the poison", hs);
            r.seconds(POOL + " (the poisoned keys' pool) 5 -> 7", ps);
            r.converged(hs);
            r.check(BadInputs.HEALTHY + " converged within 2 x undisturbed + " + BadInputs.SLACK.toSeconds() + " s ("
                            + Result.format(bound.toMillis() / 1000.0) + ")",
                    h.at() != null && Duration.between(change, h.at()).compareTo(bound) <= 0, h.last());
            r.check(POOL + " converged within " + timeout.toSeconds() + " s", p.at() != null, p.last());
            scenarios.checkInstances(r, BadInputs.HEALTHY, change, BadInputs.HEALTHY_FROM, BadInputs.HEALTHY_TO, h);
            scenarios.checkInstances(r, POOL, change, BadInputs.HEALTHY_FROM, BadInputs.HEALTHY_TO, p);
        } finally {
            waits.shutdownNow();
        }

        Map<String, List<String>> readers = readers();
        r.row("readers (consumer groups)", readers.toString());
        Instant processedBy = awaitProcessed(sent, readers);
        r.seconds("poison -> every reader past it", processedBy == null ? null
                : Scenarios.seconds(change, processedBy));
        List<DeadLetter> dlt = newSince(dltBefore, readDeadLetters());
        Map<String, List<String>> problems = Checks.deadLetterProblems(keys, dlt, POISON);
        for (Sent s : sent) {
            List<DeadLetter> copies = Checks.copies(dlt, s.topic(), s.key(), POISON);
            List<String> loggedBy = loggedBy(s);
            String reasons = String.join(", ", copies.stream().map(DeadLetter::reason).distinct().toList());
            List<String> p = problems.get(s.topic());
            r.check(s.topic() + ": on its DLT exactly once, with its reason", p.isEmpty(), copies.size() + " cop"
                    + (copies.size() == 1 ? "y" : "ies") + (reasons.isEmpty() ? "" : ", reason " + reasons)
                    + "; read by " + readers.getOrDefault(s.topic(), List.of())
                    + (p.isEmpty() ? "" : "; " + String.join("; ", p)));
            r.check(s.topic() + ": logged with its key", !loggedBy.isEmpty() && loggedBy.size() >= copies.size(),
                    loggedBy.isEmpty() ? "no service logged 'dead-lettered " + s.at() + " key " + s.key() + "'"
                            : "by " + loggedBy);
        }

        ManagedProcess reconciler = env.process("reconciler-service");
        reconciler.kill();
        Instant restarted = reconciler.start();
        Instant ready = null;
        Instant deadline = restarted.plus(timeout);
        while (ready == null && Instant.now().isBefore(deadline) && reconciler.alive()) {
            if (env.ready("reconciler-service")) {
                ready = Instant.now();
            } else {
                Thread.sleep(Scenarios.POLL.toMillis());
            }
        }
        r.seconds("reconciler restarted -> ready (read its topics back)", ready == null ? null
                : Scenarios.seconds(restarted, ready));
        if (ready == null) {
            r.check("the reconciler ready again after its restart", false, "not within " + timeout.toSeconds() + " s");
        } else {
            List<DeadLetter> after = newSince(dltBefore, readDeadLetters());
            List<String> grew = new ArrayList<>();
            for (Sent s : sent) {
                int was = Checks.copies(dlt, s.topic(), s.key(), POISON).size();
                int now = Checks.copies(after, s.topic(), s.key(), POISON).size();
                if (now != was) {
                    grew.add(s.topic() + " " + was + " -> " + now);
                }
            }
            r.check("after restarting the reconciler no poison record is dead-lettered again", grew.isEmpty(),
                    grew.isEmpty() ? "DLT counts unchanged once it read its topics back" : String.join("; ", grew));
        }
        r.note("healthy " + Result.format(r.converged()) + " (bound " + Result.format(bound.toMillis() / 1000.0)
                + "); " + problems.values().stream().filter(List::isEmpty).count() + " of " + TOPICS.size()
                + " topics dead-lettered exactly once");
        r.row("healed", heal(sent));
        return r;
    }

    private List<Sent> send(Map<String, String> keys) throws Exception {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.brokers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "e2e-poison");
        List<Sent> sent = new ArrayList<>();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(p, new StringSerializer(),
                new ByteArraySerializer())) {
            for (Map.Entry<String, String> e : keys.entrySet()) {
                RecordMetadata m = producer.send(new ProducerRecord<>(e.getKey(), e.getValue(), POISON))
                        .get(10, TimeUnit.SECONDS);
                sent.add(new Sent(e.getKey(), e.getValue(), m.partition(), m.offset()));
            }
        }
        return sent;
    }

    /** Topic → the Poolstream groups that have partitions of it assigned (their names as the broker has them). */
    private Map<String, List<String>> readers() {
        Map<String, List<String>> out = new LinkedHashMap<>();
        try {
            for (ConsumerGroupDescription g : env.admin().describeConsumerGroups(
                    env.groups().names(ConsumerGroups.ALL)).all().get(10, TimeUnit.SECONDS).values()) {
                Set<String> topics = new TreeSet<>();
                for (MemberDescription m : g.members()) {
                    m.assignment().topicPartitions().forEach(tp -> topics.add(tp.topic()));
                }
                for (String topic : topics) {
                    if (TOPICS.contains(topic)) {
                        out.computeIfAbsent(topic, t -> new ArrayList<>()).add(g.groupId());
                    }
                }
            }
        } catch (Exception e) {
            // reported as no readers
        }
        return out;
    }

    /**
     * Waits (bounded) until every reader is past each poison record: the DLT has a copy, every group that commits
     * offsets committed beyond it, and the reconciler (whose committed offsets are only a watermark of what it has told of) logged it.
     */
    private Instant awaitProcessed(List<Sent> sent, Map<String, List<String>> readers) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, ConsumerGroups.Group> groups = env.groups().byName(ConsumerGroups.ALL);
        while (Instant.now().isBefore(deadline)) {
            boolean all = true;
            List<DeadLetter> dlt = readDeadLetters();
            for (Sent s : sent) {
                all &= !Checks.copies(dlt, s.topic(), s.key(), POISON).isEmpty();
                for (String group : readers.getOrDefault(s.topic(), List.of())) {
                    ConsumerGroups.Group g = groups.get(group);
                    if (g == null) {
                        continue;
                    }
                    all &= g.commits() ? committedPast(group, s) : logged(g.service(), s);
                }
                if (!all) {
                    break;
                }
            }
            if (all) {
                return Instant.now();
            }
            Thread.sleep(500);
        }
        return null;
    }

    private boolean committedPast(String group, Sent s) {
        try {
            Map<TopicPartition, OffsetAndMetadata> offsets = env.admin().listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get(5, TimeUnit.SECONDS);
            OffsetAndMetadata o = offsets.get(new TopicPartition(s.topic(), s.partition()));
            return o != null && o.offset() > s.offset();
        } catch (Exception e) {
            return false;
        }
    }

    /** The services whose log has {@code dead-lettered <topic>-<partition>@<offset> key <key>}. */
    private List<String> loggedBy(Sent s) {
        List<String> out = new ArrayList<>();
        for (String service : E2eOptions.SERVICES) {
            if (logged(service, s)) {
                out.add(service);
            }
        }
        return out;
    }

    private boolean logged(String service, Sent s) {
        String line = "dead-lettered " + s.at() + " key " + s.key();
        try {
            String log = Files.readString(env.process(service).log(), StandardCharsets.UTF_8);
            return log.contains(line) || log.contains(line.replace("/", "\\/"));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Every record on the DLTs of {@link #TOPICS}, read from their start with a plain consumer (no group). */
    List<DeadLetter> readDeadLetters() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.brokers());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "e2e-dlt-reader");
        List<DeadLetter> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : TOPICS) {
                for (int i = 0; i < Topics.PARTITIONS; i++) {
                    partitions.add(new TopicPartition(topic + Topics.DLT_SUFFIX, i));
                }
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            Instant deadline = Instant.now().plusSeconds(30);
            while (Instant.now().isBefore(deadline) && partitions.stream()
                    .anyMatch(tp -> consumer.position(tp, Duration.ofSeconds(10)) < end.getOrDefault(tp, 0L))) {
                for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
                    Header reason = rec.headers().lastHeader(REASON_HEADER);
                    out.add(new DeadLetter(rec.topic(), rec.partition(), rec.offset(), rec.key(), rec.value(),
                            reason == null ? null : new String(reason.value(), StandardCharsets.UTF_8)));
                }
            }
        } catch (RuntimeException e) {
            System.err.println("cannot read the DLTs: " + e);
        }
        return out;
    }

    private static List<DeadLetter> newSince(List<DeadLetter> before, List<DeadLetter> now) {
        Set<String> seen = new java.util.HashSet<>();
        before.forEach(d -> seen.add(d.topic() + "-" + d.partition() + "@" + d.offset()));
        return now.stream().filter(d -> !seen.contains(d.topic() + "-" + d.partition() + "@" + d.offset())).toList();
    }

    /**
     * Covers each poison record that is still its key's latest on a compacted topic with a copy (value and headers)
     * of the key's record before it: the rest of the run then reads no poison when a service reads a topic back.
     */
    private String heal(List<Sent> sent) {
        List<String> healed = new ArrayList<>();
        Properties cp = new Properties();
        cp.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, env.brokers());
        cp.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        cp.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        cp.put(ConsumerConfig.CLIENT_ID_CONFIG, "e2e-heal");
        Properties pp = new Properties();
        pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, env.brokers());
        pp.put(ProducerConfig.ACKS_CONFIG, "all");
        pp.put(ProducerConfig.CLIENT_ID_CONFIG, "e2e-heal");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(cp, new StringDeserializer(),
                new ByteArrayDeserializer());
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(pp, new StringSerializer(),
                     new ByteArraySerializer())) {
            for (Sent s : sent) {
                if (s.topic().equals(Topics.SCALINGGROUP_COMMANDS_AWS.name())) {
                    continue; // not compacted: read once by the provider's group, never back from its start
                }
                TopicPartition tp = new TopicPartition(s.topic(), s.partition());
                consumer.assign(List.of(tp));
                consumer.seekToBeginning(List.of(tp));
                long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(10)).get(tp);
                ConsumerRecord<String, byte[]> previous = null;
                ConsumerRecord<String, byte[]> latest = null;
                Instant deadline = Instant.now().plusSeconds(30);
                while (consumer.position(tp, Duration.ofSeconds(10)) < end && Instant.now().isBefore(deadline)) {
                    for (ConsumerRecord<String, byte[]> rec : consumer.poll(Duration.ofMillis(200))) {
                        if (s.key().equals(rec.key())) {
                            if (rec.offset() < s.offset()) {
                                previous = rec;
                            }
                            latest = rec;
                        }
                    }
                }
                if (latest != null && latest.offset() == s.offset() && previous != null) {
                    ProducerRecord<String, byte[]> copy = new ProducerRecord<>(s.topic(), s.partition(), s.key(),
                            previous.value());
                    previous.headers().forEach(h -> copy.headers().add(h));
                    producer.send(copy).get(10, TimeUnit.SECONDS);
                    healed.add(s.topic());
                }
            }
        } catch (Exception e) {
            return "could not heal: " + e;
        }
        return healed.isEmpty() ? "nothing: every poison record has a newer record of its key"
                : "covered with the key's record before it: " + healed;
    }
}
