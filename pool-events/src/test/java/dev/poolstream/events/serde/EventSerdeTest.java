package dev.poolstream.events.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.Fixtures;
import dev.poolstream.events.Keyed;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.Topics;
import dev.poolstream.events.command.ScalingGroupCommand;
import dev.poolstream.events.command.SetCapacity;
import io.cloudevents.CloudEvent;
import io.cloudevents.kafka.KafkaMessageFactory;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class EventSerdeTest {

    private static final URI SOURCE = URI.create("/poolstream/test");
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-21T07:00:00Z"), ZoneOffset.UTC);

    static Stream<Fixtures.Sample> samples() {
        return Fixtures.all().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldReadBackEveryValueItWrites(Fixtures.Sample sample) {
        EventSerde<Keyed> serde = serde(sample.topic());
        Headers headers = new RecordHeaders();

        byte[] bytes = serde.serializer().serialize(sample.topic().name(), headers, sample.value());
        Keyed read = serde.deserializer().deserialize(sample.topic().name(), bytes);

        assertThat(read).isEqualTo(sample.value());
        assertThat(read.key()).isEqualTo(sample.value().key());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("samples")
    void shouldWriteTheValueAsABinaryModeCloudEvent(Fixtures.Sample sample) {
        Headers headers = new RecordHeaders();

        byte[] bytes = serde(sample.topic()).serializer().serialize(sample.topic().name(), headers, sample.value());
        CloudEvent event = KafkaMessageFactory.createReader(headers, bytes).toEvent();

        assertThat(event.getSpecVersion().toString()).isEqualTo("1.0");
        assertThat(event.getType()).startsWith("dev.poolstream.").endsWith(".v1")
                .isEqualTo(EventSerializer.typeOf(sample.value().getClass()));
        assertThat(event.getSource()).isEqualTo(SOURCE);
        assertThat(event.getSubject()).isEqualTo(sample.value().key());
        assertThat(event.getTime()).isEqualTo(OffsetDateTime.now(CLOCK));
        assertThat(event.getDataContentType()).isEqualTo("application/json");
        assertThat(event.getData().toBytes()).isEqualTo(bytes);
        assertThat(headers.lastHeader("ce_id")).isNotNull();
        if (sample.value() instanceof ScalingGroupCommand command) {
            assertThat(event.getId()).isEqualTo(command.id());
        }
    }

    @Test
    void shouldReplaceCloudEventsHeadersThatKafkaStreamsCarriedOverFromTheInput() {
        Headers headers = new RecordHeaders();
        headers.add("ce_type", "dev.poolstream.node.v1".getBytes(StandardCharsets.UTF_8));
        headers.add("ce_id", "input-id".getBytes(StandardCharsets.UTF_8));
        headers.add("traceparent", "00-abc-def-01".getBytes(StandardCharsets.UTF_8));
        SetCapacity command = (SetCapacity) Fixtures.all().stream().map(Fixtures.Sample::value)
                .filter(SetCapacity.class::isInstance).findFirst().orElseThrow();

        serde(Topics.SCALINGGROUP_COMMANDS_AWS).serializer()
                .serialize(Topics.SCALINGGROUP_COMMANDS_AWS.name(), headers, command);

        assertThat(headers.headers("ce_type")).hasSize(1);
        assertThat(new String(headers.lastHeader("ce_type").value(), StandardCharsets.UTF_8))
                .isEqualTo("dev.poolstream.scalinggroup.command.setcapacity.v1");
        assertThat(new String(headers.lastHeader("ce_id").value(), StandardCharsets.UTF_8)).isEqualTo(command.id());
        assertThat(headers.lastHeader("traceparent")).isNotNull();
    }

    @Test
    void shouldTakeTheEventIdFromTheIdHeaderAndNotWriteThatHeader() {
        Headers headers = new RecordHeaders();
        headers.add(EventSerializer.ID_HEADER, "same-event".getBytes(StandardCharsets.UTF_8));

        serde(Topics.NODE).serializer().serialize(Topics.NODE.name(), headers, Fixtures.node());

        assertThat(new String(headers.lastHeader("ce_id").value(), StandardCharsets.UTF_8)).isEqualTo("same-event");
        assertThat(headers.lastHeader(EventSerializer.ID_HEADER)).isNull();
    }

    @Test
    void shouldWriteATombstoneAsNullWithoutHeaders() {
        Headers headers = new RecordHeaders();

        byte[] bytes = serde(Topics.NODE).serializer().serialize(Topics.NODE.name(), headers, null);

        assertThat(bytes).isNull();
        assertThat(headers.toArray()).isEmpty();
        assertThat(serde(Topics.NODE).deserializer().deserialize(Topics.NODE.name(), null)).isNull();
        assertThat(serde(Topics.NODE).deserializer().deserialize(record(Topics.NODE, null))).isNull();
    }

    @Test
    void shouldIgnoreFieldsItDoesNotKnowSoOldReadersSurviveNewWriters() {
        String json = """
                {"cluster":"team-a/demo","name":"n1","uid":"u1","providerID":"aws:///us-east-1a/i-1",
                 "ready":"True","readyTransitionTime":"2026-11-21T06:00:00Z","kubeletVersion":"v1.33.1",
                 "unschedulable":false,"taints":[{"key":"k","effect":"NoSchedule","addedIn":"v2"}],
                 "annotations":{},"zone":"us-east-1a","capacity":{"cpu":"4"}}
                """;

        NodeState node = new EventDeserializer<>(NodeState.class).deserialize(record(Topics.NODE, json));

        assertThat(node.name()).isEqualTo("n1");
        assertThat(node.key()).isEqualTo("aws:///us-east-1a/i-1");
        assertThat(node.taints()).singleElement().satisfies(t -> assertThat(t.key()).isEqualTo("k"));
    }

    @Test
    void shouldReadAHealthCheckWrittenBeforePoolsSelectedAsSelectingOnlyItsPool() {
        EventSerde<Keyed> serde = serde(Topics.MACHINEPOOL_SPEC);
        String written = new String(serde.serializer().serialize(Topics.MACHINEPOOL_SPEC.name(), new RecordHeaders(),
                Fixtures.awsPoolSpec()), StandardCharsets.UTF_8);
        assertThat(written).contains(",\"poolsSelected\":2");
        String older = written.replace(",\"poolsSelected\":2", "");

        PoolSpec read = (PoolSpec) serde.deserializer().deserialize(Topics.MACHINEPOOL_SPEC.name(),
                older.getBytes(StandardCharsets.UTF_8));

        assertThat(read.healthChecks()).singleElement().satisfies(c -> assertThat(c.poolsSelected()).isEqualTo(1));
    }

    @Test
    void shouldFillAbsentCollectionsWithEmptyOnes() {
        NodeState node = new EventDeserializer<>(NodeState.class)
                .deserialize(record(Topics.NODE, "{\"cluster\":\"ns/c\",\"name\":\"n1\"}"));

        assertThat(node.taints()).isEmpty();
        assertThat(node.annotations()).isEmpty();
        assertThat(node.providerID()).isEmpty();
        assertThat(node.key()).isEqualTo("cluster/ns/c/node/n1");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "not json at all",
            "{\"namespace\":\"team-a\",\"name\":",
            "null",
            "[1,2,3]",
            "{\"namespace\":\"team-a\",\"name\":\"workers\",\"generation\":\"four\"}",
            "{\"namespace\":\"team-a\",\"name\":\"workers\",\"infrastructure\":{\"kind\":\"AWSMachinePool\"}}"})
    void shouldNameTopicPartitionAndOffsetOfAMalformedRecord(String json) {
        ConsumerRecord<String, byte[]> record = record(Topics.MACHINEPOOL_SPEC, json);

        assertThatThrownBy(() -> new EventDeserializer<>(PoolSpec.class).deserialize(record))
                .isInstanceOfSatisfying(MalformedRecordException.class, e -> {
                    assertThat(e.topic()).isEqualTo("machinepool.spec.v1");
                    assertThat(e.partition()).isEqualTo(3);
                    assertThat(e.offset()).isEqualTo(42L);
                    assertThat(e.expectedType()).isEqualTo(PoolSpec.class);
                    assertThat(e.getMessage())
                            .startsWith("record at machinepool.spec.v1-3@42 is not a valid PoolSpec: ")
                            .doesNotContain("\n");
                });
    }

    @Test
    void shouldRejectACommandOfAnUnknownKind() {
        String json = "{\"command\":\"Hibernate\",\"id\":\"x\",\"pool\":\"team-a/workers\",\"generation\":1}";

        assertThatThrownBy(() -> new EventDeserializer<>(ScalingGroupCommand.class)
                .deserialize(Topics.SCALINGGROUP_COMMANDS_AWS.name(), json.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(MalformedRecordException.class)
                .hasMessage("record at scalinggroup.commands.aws.v1 is not a valid ScalingGroupCommand: not a known"
                        + " kind of ScalingGroupCommand");
    }

    /** A record on the wrong topic can be anything, a credential too: what the failure says never quotes it. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "AKIASECRETMARKER-key | not well-formed JSON (line 1, column 1)",
            "{\"namespace\":\"team-a\",\"name\":\"AKIASECRETMARKER | not well-formed JSON (line 1, column 47)",
            "{\"namespace\":\"team-a\",\"name\":\"workers\",\"generation\":\"AKIASECRETMARKER\"} | field generation: not a long",
            "{\"namespace\":\"team-a\",\"name\":\"workers\",\"generation\":AKIASECRETMARKER} | not well-formed JSON (line 1, column 53)",
            "{\"namespace\":\"team-a\",\"name\":\"workers\",\"annotations\":{\"AKIASECRETMARKER\":[1]}} | field annotations[a key]: not a String"})
    void shouldSayWhereAndWhyAValueIsNotValidWithoutQuotingIt(String payload, String why) {
        ConsumerRecord<String, byte[]> record = record(Topics.MACHINEPOOL_SPEC, payload);

        assertThatThrownBy(() -> new EventDeserializer<>(PoolSpec.class).deserialize(record))
                .isInstanceOfSatisfying(MalformedRecordException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("record at machinepool.spec.v1-3@42 is not a valid PoolSpec: "
                            + why);
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        assertThat(String.valueOf(t.getMessage())).doesNotContain("SECRETMARKER");
                    }
                });
    }

    @Test
    void shouldRefuseASerdeForAnotherTopicsType() {
        assertThatThrownBy(() -> EventSerde.forTopic(Topics.NODE, PoolSpec.class, SOURCE))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("node.v1");
    }

    @Test
    void shouldReadEachTopicAsItsOwnTypeWhenKafkaCreatesTheDeserializer() {
        EventDeserializer<Object> byTopic = new EventDeserializer<>();
        byte[] node = serde(Topics.NODE).serializer().serialize(Topics.NODE.name(), Fixtures.node());
        byte[] spec = serde(Topics.MACHINEPOOL_SPEC).serializer()
                .serialize(Topics.MACHINEPOOL_SPEC.name(), Fixtures.awsPoolSpec());

        assertThat(byTopic.deserialize(Topics.NODE.name(), node)).isEqualTo(Fixtures.node());
        assertThat(byTopic.deserialize(Topics.MACHINEPOOL_SPEC.name(), spec)).isEqualTo(Fixtures.awsPoolSpec());
        assertThatThrownBy(() -> byTopic.deserialize("node.v1.DLT", node))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node.v1.DLT");
    }

    @Test
    void shouldTakeItsSourceFromTheProducerConfigWhenKafkaCreatesTheSerializer() {
        EventSerializer<NodeState> serializer = new EventSerializer<>();
        serializer.configure(java.util.Map.of(EventSerializer.SOURCE_CONFIG, "/poolstream/watcher"), false);
        Headers headers = new RecordHeaders();

        serializer.serialize(Topics.NODE.name(), headers, Fixtures.node());

        assertThat(new String(headers.lastHeader("ce_source").value(), StandardCharsets.UTF_8))
                .isEqualTo("/poolstream/watcher");
        assertThatThrownBy(() -> new EventSerializer<NodeState>().configure(java.util.Map.of(), false))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(EventSerializer.SOURCE_CONFIG);
    }

    @SuppressWarnings("unchecked")
    private static EventSerde<Keyed> serde(Topics.TopicSpec topic) {
        return EventSerde.of((Class<Keyed>) topic.valueType(), SOURCE, CLOCK);
    }

    private static ConsumerRecord<String, byte[]> record(Topics.TopicSpec topic, String json) {
        return new ConsumerRecord<>(topic.name(), 3, 42L, "key",
                json == null ? null : json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aClassWithoutACloudEventsTypeIsNoTopicValueEachTimeItIsAsked() {
        for (int i = 0; i < 2; i++) {
            assertThatThrownBy(() -> EventSerializer.typeOf(String.class))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("java.lang.String has no @CloudEventType: it is not a topic value");
        }
        assertThat(EventSerializer.typeOf(NodeState.class)).isEqualTo("dev.poolstream.node.v1");
    }
}
