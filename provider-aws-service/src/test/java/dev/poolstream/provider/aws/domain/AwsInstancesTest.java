package dev.poolstream.provider.aws.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.InstanceLifecycle;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class AwsInstancesTest {

    @Test
    void shouldBuildProviderIdAsTheAwsCloudProviderDoes() {
        assertThat(AwsInstances.providerId("us-east-1a", "i-0abc123")).isEqualTo("aws:///us-east-1a/i-0abc123");
    }

    @ParameterizedTest(name = "{0}/{1} -> {2}")
    @CsvSource({
            "Pending, Healthy, PENDING",
            "Pending:Wait, Healthy, PENDING",
            "Pending:Proceed, Healthy, PENDING",
            "InService, Healthy, RUNNING",
            "Standby, Healthy, RUNNING",
            "Terminating, Healthy, TERMINATING",
            "Terminating:Wait, Unhealthy, TERMINATING",
            "Terminated, Healthy, TERMINATING",
            "Detaching, Healthy, TERMINATING",
            "InService, Unhealthy, FAILED",
            "Pending, Unhealthy, FAILED",
            "Warmed:Pending, Healthy, PENDING"})
    void shouldNormaliseLifecycleWhenAutoScalingReportsState(String state, String health, InstanceLifecycle expected) {
        assertThat(AwsInstances.lifecycle(state, health)).isEqualTo(expected);
    }

    @Test
    void shouldReadInstanceIdBackWhenProviderIdIsAws() {
        assertThat(AwsInstances.instanceId("aws:///us-east-1a/i-0abc123")).contains("i-0abc123");
        assertThat(AwsInstances.instanceId("aws:///i-0abc123")).isEmpty();
        assertThat(AwsInstances.instanceId("aws:///us-east-1a/i-0abc123/x")).isEmpty();
        assertThat(AwsInstances.instanceId("azure:///subscriptions/s/virtualMachines/0")).isEmpty();
        assertThat(AwsInstances.instanceId(null)).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"InService, true", "Pending, false", "Standby, false", "Detaching, false", "Terminating, false",
            "'', false"})
    void shouldDetachOnlyInServiceInstancesWhenTerminating(String state, boolean detachable) {
        assertThat(AwsInstances.detachable(state)).isEqualTo(detachable);
    }

    @Test
    void shouldSuspectInstanceOutsideGroupOnlyWhenGroupDoesNotListItOrIsDetachingIt() {
        assertThat(AwsInstances.mayRunOutsideGroup(Optional.empty())).isTrue();
        assertThat(AwsInstances.mayRunOutsideGroup(Optional.of("Detaching"))).isTrue();
        assertThat(AwsInstances.mayRunOutsideGroup(Optional.of("Detached"))).isTrue();
        assertThat(AwsInstances.mayRunOutsideGroup(Optional.of("InService"))).isFalse();
        assertThat(AwsInstances.mayRunOutsideGroup(Optional.of("Terminating:Wait"))).isFalse();
    }

    @Test
    void shouldCutIntoConsecutiveBatchesWhenListIsLong() {
        assertThat(AwsInstances.batches(List.of(1, 2, 3, 4, 5), 2))
                .containsExactly(List.of(1, 2), List.of(3, 4), List.of(5));
        assertThat(AwsInstances.batches(List.of(), 20)).isEmpty();
    }

    @Test
    void shouldCallUnknownStatePendingWhenStateIsMissing() {
        assertThat(AwsInstances.lifecycle(null, null)).isEqualTo(InstanceLifecycle.PENDING);
    }
}
