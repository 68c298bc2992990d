package dev.poolstream.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.poolstream.events.Topics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.kafka.autoconfigure.KafkaProperties;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.yaml.snakeyaml.Yaml;

/**
 * The services' Kafka client configuration against a broker that authenticates (SASL_SSL, SCRAM-SHA-512) and
 * authorizes (StandardAuthorizer) with the ACLs k8s/ ships: each client is built by Spring Boot from the environment a
 * Deployment gets (k8s/base/config.yaml's poolstream-kafka ConfigMap and the login from its KafkaUser's Secret), the
 * ACLs are those of k8s/base/kafka-users.yaml. The status service writes status and, through the producer
 * {@link DeadLetters} builds by hand, its dead letters; it is refused a command. The reconciler writes commands.
 */
class KafkaSecurityIT {

    private static final String STATUS_SERVICE = "status-service";
    private static final String RECONCILER = "reconciler-service";
    private static final Path K8S = Path.of(System.getProperty("poolstream.root", "..")).resolve("k8s");

    @TempDir
    static Path dir;
    private static SecuredKafkaBroker broker;
    private static Admin admin;

    @BeforeAll
    static void startBrokerWithTheShippedAcls() throws Exception {
        broker = new SecuredKafkaBroker(dir, List.of(STATUS_SERVICE, RECONCILER));
        admin = Admin.create(broker.adminClient());
        admin.createTopics(List.of(Topics.MACHINEPOOL_STATUS.newTopic((short) 1),
                Topics.MACHINEPOOL_STATUS.deadLetter().newTopic((short) 1),
                Topics.SCALINGGROUP_COMMANDS_AWS.newTopic((short) 1))).all().get(60, TimeUnit.SECONDS);
        List<AclBinding> acls = new ArrayList<>();
        for (String user : List.of(STATUS_SERVICE, RECONCILER)) {
            acls.addAll(shippedAcls(user));
        }
        admin.createAcls(acls).all().get(30, TimeUnit.SECONDS);
        // The authorizer has them once the broker describes them (both read the same metadata).
        await().atMost(Duration.ofSeconds(30)).until(() ->
                admin.describeAcls(AclBindingFilter.ANY).values().get().size() == acls.size());
    }

    @AfterAll
    static void stop() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
        }
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void shouldLetTheStatusServiceWriteStatusAndItsDeadLettersOverSaslSsl() throws Exception {
        Map<String, Object> producer = serviceProperties(STATUS_SERVICE).buildProducerProperties();
        assertThat(producer).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "SCRAM-SHA-512");

        try (KafkaProducer<String, String> status = producer(producer)) {
            status.send(new ProducerRecord<>(Topics.MACHINEPOOL_STATUS.name(), "team-a/workers", "{}"))
                    .get(30, TimeUnit.SECONDS);
        }

        // DeadLetters makes its own producer from the factory's configuration: it must carry the login too.
        DefaultKafkaProducerFactory<String, String> factory = new DefaultKafkaProducerFactory<>(producer,
                new StringSerializer(), new StringSerializer());
        DeadLetterPublishingRecoverer deadLetters = DeadLetters.recoverer(factory, new KafkaTemplate<>(factory),
                e -> "MalformedRecord", new SimpleMeterRegistry(), List.of(Topics.MACHINEPOOL_STATUS.name()));
        byte[] poison = "not json {".getBytes(StandardCharsets.UTF_8);
        deadLetters.accept(new ConsumerRecord<>(Topics.MACHINEPOOL_STATUS.name(), 0, 0L, "team-a/poison", poison),
                new IllegalArgumentException("unreadable"));
        factory.destroy();

        assertThat(readAll(Topics.MACHINEPOOL_STATUS.deadLetter().name()))
                .anySatisfy(r -> assertThat(r.value()).isEqualTo(poison));
    }

    @Test
    void shouldRefuseACommandFromTheStatusServicesPrincipal() {
        Map<String, Object> producer = serviceProperties(STATUS_SERVICE).buildProducerProperties();
        try (KafkaProducer<String, String> status = producer(producer)) {
            assertThatThrownBy(() -> status.send(new ProducerRecord<>(Topics.SCALINGGROUP_COMMANDS_AWS.name(),
                    "team-a/workers", "{\"type\":\"DeleteGroup\"}")).get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
        assertThat(readAll(Topics.SCALINGGROUP_COMMANDS_AWS.name()))
                .noneSatisfy(r -> assertThat(new String(r.value(), StandardCharsets.UTF_8)).contains("DeleteGroup"));
    }

    @Test
    void shouldLetTheReconcilerWriteACommand() throws Exception {
        try (KafkaProducer<String, String> reconciler = producer(serviceProperties(RECONCILER)
                .buildProducerProperties())) {
            // Refused, the send fails with TopicAuthorizationException; written, the broker gives it an offset.
            assertThat(reconciler.send(new ProducerRecord<>(Topics.SCALINGGROUP_COMMANDS_AWS.name(), "team-a/workers",
                    "{\"type\":\"SetCapacity\"}")).get(30, TimeUnit.SECONDS).offset()).isNotNegative();
        }
    }

    @Test
    void shouldRefuseALoginWithAWrongPassword() {
        Map<String, Object> config = serviceProperties(STATUS_SERVICE).buildProducerProperties();
        config.put("sasl.jaas.config", SecuredKafkaBroker.jaas(STATUS_SERVICE, "not-the-password"));
        try (KafkaProducer<String, String> impostor = producer(config)) {
            assertThatThrownBy(() -> impostor.send(new ProducerRecord<>(Topics.MACHINEPOOL_STATUS.name(),
                    "team-a/workers", "{}")).get(30, TimeUnit.SECONDS))
                    .hasCauseInstanceOf(SaslAuthenticationException.class);
        }
    }

    /**
     * Spring Boot's Kafka properties of a service as its Deployment sets them: the poolstream-kafka ConfigMap's keys
     * and its KafkaUser's login as environment variables, with this broker's address and CA file in place of the
     * cluster's.
     */
    @SuppressWarnings("unchecked")
    private static KafkaProperties serviceProperties(String user) {
        Map<String, Object> configMap = documents(K8S.resolve("base/config.yaml")).stream()
                .filter(d -> ((Map<String, Object>) d.get("metadata")).get("name").equals("poolstream-kafka"))
                .map(d -> (Map<String, Object>) d.get("data")).findFirst().orElseThrow();
        Map<String, Object> env = new HashMap<>();
        configMap.forEach((k, v) -> env.put(k, v.toString()));
        assertThat(env).containsKeys("SPRING_KAFKA_SECURITY_PROTOCOL", "SPRING_KAFKA_SSL_TRUSTSTORELOCATION");
        // The services' yaml reads KAFKA_BOOTSTRAP_SERVERS into spring.kafka.bootstrap-servers.
        env.put("SPRING_KAFKA_BOOTSTRAPSERVERS", broker.bootstrapServers());
        env.put("SPRING_KAFKA_SSL_TRUSTSTORELOCATION", "file:" + broker.caCertificate());
        env.put("SPRING_KAFKA_PROPERTIES_SASL_JAAS_CONFIG", broker.jaas(user));
        return new Binder(ConfigurationPropertySources.from(new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env)))
                .bind("spring.kafka", Bindable.ofInstance(new KafkaProperties())).get();
    }

    /** The ACLs of k8s/'s KafkaUser of that name, as Strimzi's User Operator creates them. */
    @SuppressWarnings("unchecked")
    private static List<AclBinding> shippedAcls(String user) {
        Map<String, Object> kafkaUser = documents(K8S.resolve("base/kafka-users.yaml")).stream()
                .filter(d -> ((Map<String, Object>) d.get("metadata")).get("name").equals(user))
                .findFirst().orElseThrow();
        Map<String, Object> authorization = (Map<String, Object>) ((Map<String, Object>) kafkaUser.get("spec"))
                .get("authorization");
        List<AclBinding> bindings = new ArrayList<>();
        for (Object rule : (List<Object>) authorization.get("acls")) {
            Map<String, Object> acl = (Map<String, Object>) rule;
            Map<String, Object> resource = (Map<String, Object>) acl.get("resource");
            ResourcePattern pattern = new ResourcePattern(
                    ResourceType.valueOf(snake(resource.get("type").toString())),
                    resource.get("name").toString(),
                    "prefix".equals(resource.get("patternType")) ? PatternType.PREFIXED : PatternType.LITERAL);
            for (Object operation : (List<Object>) acl.get("operations")) {
                bindings.add(new AclBinding(pattern, new AccessControlEntry("User:" + user, "*",
                        AclOperation.valueOf(snake(operation.toString())), AclPermissionType.ALLOW)));
            }
        }
        return bindings;
    }

    /** Strimzi's {@code transactionalId}, {@code DescribeConfigs} as Kafka's enum constants. */
    private static String snake(String camel) {
        return camel.replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents(Path file) {
        try {
            List<Map<String, Object>> docs = new ArrayList<>();
            new Yaml().loadAll(Files.readString(file)).forEach(d -> docs.add((Map<String, Object>) d));
            return docs;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static KafkaProducer<String, String> producer(Map<String, Object> config) {
        Map<String, Object> p = new HashMap<>(config);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 20_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    }

    /** Every record of a topic's partitions, read as the super user. */
    private static List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        Map<String, Object> p = new HashMap<>(broker.adminClient());
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(20)).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(20));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
            });
        }
        return records;
    }
}
