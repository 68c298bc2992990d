package dev.poolstream.status.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.ClusterApi;
import dev.poolstream.events.Cloud;
import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.Taint;
import dev.poolstream.status.domain.Member;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The member values' binary form: every field back as it was, nulls and empties included; values an older version
 * wrote in Smile read as they were; a value it cannot read refused with a reason, never read as something else.
 */
class MemberCodecTest {

    private static final InstanceState INSTANCE = new InstanceState("azure:///subscriptions/s/resourceGroups/rg"
            + "/providers/Microsoft.Compute/virtualMachineScaleSets/workers/virtualMachines/7", "team-a/workers",
            Cloud.AZURE, "7", "westeurope-2", InstanceLifecycle.RUNNING, "Succeeded", "v3", true,
            Instant.parse("2026-11-21T06:00:00.123Z"));
    /** Only what must be there. */
    private static final InstanceState BARE_INSTANCE = new InstanceState("aws:///us-east-1a/i-1", "team-a/workers",
            null, "i-1", null, InstanceLifecycle.PENDING, null, null, false, null);
    private static final NodeState NODE = new NodeState("team-a/demo", "nöde-7", "uid-7", INSTANCE.providerID(),
            ConditionStatus.FALSE, Instant.parse("1969-12-31T23:59:59.5Z"), "v1.33.1", true,
            List.of(new Taint(ClusterApi.AUTOSCALER_DELETING_TAINT_KEY, "1764000000", "NoSchedule"),
                    new Taint("node.kubernetes.io/unreachable", null, "NoExecute")),
            Map.of(ClusterApi.NODE_CLUSTER_NAME_ANNOTATION, "demo", ClusterApi.DRAIN_STARTED_ANNOTATION,
                    "2026-11-21T06:00:00Z", "empty", ""));
    private static final NodeState BARE_NODE = new NodeState("team-a/demo", "n", null, null, null, null, null, false,
            null, null);

    static Stream<Member> members() {
        return Stream.of(new Member(INSTANCE, NODE), new Member(INSTANCE, null), new Member(null, NODE),
                new Member(BARE_INSTANCE, BARE_NODE), new Member(BARE_INSTANCE, null), new Member(null, BARE_NODE));
    }

    @ParameterizedTest
    @MethodSource("members")
    void shouldReadEveryFieldOfAMemberBackAsItWas(Member member) {
        assertThat(roundTrip(InternalSerde.of(Member.class), member)).isEqualTo(member);
    }

    @ParameterizedTest
    @MethodSource("members")
    void shouldReadAChangeBackAsItWas(Member member) {
        MemberChange change = new MemberChange(member.providerID(), member);
        assertThat(roundTrip(InternalSerde.of(MemberChange.class), change)).isEqualTo(change);
        MemberChange gone = new MemberChange(member.providerID(), null);
        assertThat(roundTrip(InternalSerde.of(MemberChange.class), gone)).isEqualTo(gone);
    }

    @Test
    void shouldReadAMembersSidesBackAsTheyWere() {
        var sides = new MemberJoin.MemberSides(INSTANCE, NODE, Map.of("team-a/old", Instant.ofEpochSecond(-5, 7),
                "team-a/other", Instant.parse("2026-11-21T06:00:00Z")));
        var serde = InternalSerde.of(MemberJoin.MemberSides.class);

        assertThat(roundTrip(serde, sides)).isEqualTo(sides);
        assertThat(roundTrip(serde, MemberJoin.MemberSides.NONE)).isEqualTo(MemberJoin.MemberSides.NONE);
        assertThat(roundTrip(serde, MemberJoin.MemberSides.NONE.withNode(BARE_NODE)))
                .isEqualTo(MemberJoin.MemberSides.NONE.withNode(BARE_NODE));
    }

    /** Stores, changelogs and a repartition topic that an older version wrote are read after an upgrade. */
    @Test
    void shouldReadWhatAnOlderVersionWroteInSmile() {
        Member member = new Member(INSTANCE, NODE);
        byte[] smile = InternalSerde.smile(Member.class).serializer().serialize("t", member);
        byte[] binary = InternalSerde.of(Member.class).serializer().serialize("t", member);

        assertThat(InternalSerde.of(Member.class).deserializer().deserialize("t", smile)).isEqualTo(member);
        assertThat(binary[0]).isEqualTo(MemberCodec.FORMAT);
        assertThat(binary.length).as("binary against Smile").isLessThan(smile.length);
        MemberChange change = new MemberChange(member.providerID(), member);
        assertThat(InternalSerde.of(MemberChange.class).deserializer().deserialize("t",
                InternalSerde.smile(MemberChange.class).serializer().serialize("t", change))).isEqualTo(change);
    }

    @Test
    void shouldRefuseAValueItCannotReadWithTheReason() {
        var deserializer = InternalSerde.of(Member.class).deserializer();
        byte[] whole = InternalSerde.of(Member.class).serializer().serialize("t", new Member(INSTANCE, NODE));

        assertThatThrownBy(() -> deserializer.deserialize("pool-members", new byte[] {9, 1}))
                .isInstanceOf(SerializationException.class).hasMessageContaining("Member")
                .hasMessageContaining("pool-members").hasMessageContaining("unknown format 9");
        assertThatThrownBy(() -> deserializer.deserialize("t", Arrays.copyOf(whole, whole.length - 3)))
                .isInstanceOf(SerializationException.class).hasMessage("cannot read Member from t");
        assertThatThrownBy(() -> deserializer.deserialize("t", Arrays.copyOf(whole, whole.length + 2)))
                .isInstanceOf(SerializationException.class).hasStackTraceContaining("2 bytes left over");
        assertThatThrownBy(() -> deserializer.deserialize("t", new byte[0]))
                .isInstanceOf(SerializationException.class).hasMessageContaining("(empty)");
        assertThat(deserializer.deserialize("t", null)).isNull();
        assertThat(InternalSerde.of(Member.class).serializer().serialize("t", null)).isNull();
    }

    private static <T> T roundTrip(Serde<T> serde, T value) {
        return serde.deserializer().deserialize("t", serde.serializer().serialize("t", value));
    }
}
