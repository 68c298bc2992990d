package dev.poolstream.provider.domain;

import static dev.poolstream.provider.domain.Snapshots.group;
import static dev.poolstream.provider.domain.Snapshots.instance;
import static dev.poolstream.provider.domain.Snapshots.with;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Cloud;
import dev.poolstream.events.Failure;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.InstanceState;
import dev.poolstream.events.ScalingGroupState;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProjectionTest {

    @Test
    void shouldCarryCommandIdAndGenerationWhenCommandWasApplied() {
        ScalingGroupState state = Projection.state("ns/p", Cloud.AWS, "g", Optional.of(group(5, 1, 10, "3", 5)),
                Optional.empty(), 7, "id-7", null);

        assertThat(state).isEqualTo(new ScalingGroupState("ns/p", Cloud.AWS, "g", true, 5, 1, 10, "3", false, 7,
                "id-7", null));
    }

    @Test
    void shouldKeepLastCommandAndErrorWhenPolling() {
        ScalingGroupState previous = new ScalingGroupState("ns/p", Cloud.AWS, "g", true, 5, 1, 10, "3", false, 7,
                "id-7", new Failure("X", "y"));

        ScalingGroupState state = Projection.state("ns/p", Cloud.AWS, "g", Optional.of(group(6, 1, 10, "3", 6)),
                Optional.of(previous), -1, null, null);

        assertThat(state.appliedGeneration()).isEqualTo(7);
        assertThat(state.lastCommandId()).isEqualTo("id-7");
        assertThat(state.lastError()).isEqualTo(new Failure("X", "y"));
        assertThat(state.desired()).isEqualTo(6);
    }

    @Test
    void shouldTakeGenerationZeroAsAppliedWhenACommandServesGenerationZero() {
        ScalingGroupState previous = new ScalingGroupState("ns/p", Cloud.AWS, "g", true, 5, 1, 10, "3", false, 7,
                "id-7", new Failure("X", "y"));

        ScalingGroupState state = Projection.state("ns/p", Cloud.AWS, "g", Optional.of(group(5, 1, 10, "3", 5)),
                Optional.of(previous), 0, "id-0", null);

        assertThat(state.appliedGeneration()).isZero();
        assertThat(state.lastCommandId()).isEqualTo("id-0");
        assertThat(state.lastError()).isNull();
    }

    @Test
    void shouldClearErrorWhenCommandSucceeds() {
        ScalingGroupState previous = new ScalingGroupState("ns/p", Cloud.AWS, "g", true, 5, 1, 10, "3", false, 7,
                "id-7", new Failure("X", "y"));

        ScalingGroupState state = Projection.state("ns/p", Cloud.AWS, "g", Optional.of(group(6, 1, 10, "3", 6)),
                Optional.of(previous), 8, "id-8", null);

        assertThat(state.lastError()).isNull();
    }

    @Test
    void shouldReportErrorButKeepAppliedGenerationWhenCommandIsRefused() {
        ScalingGroupState previous = new ScalingGroupState("ns/p", Cloud.AWS, "g", true, 5, 1, 10, "3", false, 7,
                "id-7", null);

        ScalingGroupState state = Projection.state("ns/p", Cloud.AWS, "g", Optional.of(group(5, 1, 10, "3", 5)),
                Optional.of(previous), -1, null, new Failure(Reasons.REPLICAS_OUT_OF_RANGE, "m"));

        assertThat(state.appliedGeneration()).isEqualTo(7);
        assertThat(state.lastError().reason()).isEqualTo(Reasons.REPLICAS_OUT_OF_RANGE);
    }

    @Test
    void shouldSayGroupIsGoneWhenNothingIsDescribed() {
        ScalingGroupState state = Projection.state("ns/p", Cloud.AWS, "g", Optional.empty(), Optional.empty(), 9,
                "id-9", null);

        assertThat(state.exists()).isFalse();
        assertThat(state.lastCommandId()).isEqualTo("id-9");
    }

    @Test
    void shouldSayGroupIsGoneWhenCloudIsDeletingIt() {
        ScalingGroupState state = Projection.state("ns/p", Cloud.AWS, "g",
                Optional.of(Snapshots.deleting(group(5, 1, 10, "3", 5))), Optional.empty(), 9, "id-9", null);

        assertThat(state.exists()).isFalse();
    }

    @Test
    void shouldMarkInstancesOnOlderTemplateAsNotLatest() {
        GroupSnapshot g = with(group(2, 0, 5, "2", 0), List.of(instance("i-1", InstanceLifecycle.RUNNING, "1"),
                instance("i-2", InstanceLifecycle.PENDING, "2")));

        List<InstanceState> instances = Projection.instances("ns/p", Cloud.AWS, Optional.of(g));

        assertThat(instances).extracting(InstanceState::providerID, InstanceState::latestModel,
                        InstanceState::lifecycle, InstanceState::pool)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("aws:///us-east-1a/i-1", false, InstanceLifecycle.RUNNING,
                                "ns/p"),
                        org.assertj.core.groups.Tuple.tuple("aws:///us-east-1a/i-2", true, InstanceLifecycle.PENDING,
                                "ns/p"));
    }

    @Test
    void shouldKeepLastPublishedGroupWhenOnlyTheErrorIsNew() {
        ScalingGroupState previous = new ScalingGroupState("ns/p", Cloud.AWS, "g", true, 5, 1, 10, "3", false, 7,
                "id-7", null);

        ScalingGroupState state = Projection.withError("ns/p", Cloud.AWS, "g", Optional.of(previous),
                new Failure("BootstrapSecretOutsideNamespace", "m"));

        assertThat(state).isEqualTo(new ScalingGroupState("ns/p", Cloud.AWS, "g", true, 5, 1, 10, "3", false, 7,
                "id-7", new Failure("BootstrapSecretOutsideNamespace", "m")));
    }

    @Test
    void shouldSayNoGroupKnownWhenErrorComesBeforeAnyStateOfThatGroup() {
        ScalingGroupState other = new ScalingGroupState("ns/p", Cloud.AWS, "old-name", true, 5, 1, 10, "3", false, 7,
                "id-7", null);

        ScalingGroupState state = Projection.withError("ns/p", Cloud.AWS, "g", Optional.of(other),
                new Failure("X", "y"));

        assertThat(state).extracting(ScalingGroupState::group, ScalingGroupState::exists,
                ScalingGroupState::appliedGeneration, ScalingGroupState::lastError)
                .containsExactly("g", false, 7L, new Failure("X", "y"));
        assertThat(Projection.withError("ns/p", Cloud.AWS, "g", Optional.empty(), new Failure("X", "y")).exists())
                .isFalse();
    }

    /** A poll of a short group that cannot launch says why; the next poll that finds it launching again clears it. */
    @Test
    void shouldPublishTheGroupsLaunchFailureAsTheCloudLastDescribedIt() {
        GroupSnapshot g = group(5, 1, 10, "3", 2);
        Failure noCapacity = new Failure("LaunchFailed", "no capacity of m5.large in us-east-1a");
        GroupSnapshot failing = new GroupSnapshot(g.group(), false, 5, 1, 10, "3", g.placement(), g.tags(), false,
                g.instances(), noCapacity, List.of());
        ScalingGroupState polled = Projection.state("ns/p", Cloud.AWS, "g", Optional.of(failing), Optional.empty(), 7,
                "id-7", null);

        assertThat(polled.launchFailure()).isEqualTo(noCapacity);
        assertThat(polled.lastError()).as("not the command's error").isNull();
        assertThat(Projection.state("ns/p", Cloud.AWS, "g", Optional.of(g), Optional.of(polled), -1, null, null)
                .launchFailure()).isNull();
        assertThat(Projection.withError("ns/p", Cloud.AWS, "g", Optional.of(polled), new Failure("X", "y"))
                .launchFailure()).as("a refusal keeps what the last description said").isEqualTo(noCapacity);
    }
}
