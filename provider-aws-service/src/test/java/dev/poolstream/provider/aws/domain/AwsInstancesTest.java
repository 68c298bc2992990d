package dev.poolstream.provider.aws.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.InstanceLifecycle;
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
    void shouldCallUnknownStatePendingWhenStateIsMissing() {
        assertThat(AwsInstances.lifecycle(null, null)).isEqualTo(InstanceLifecycle.PENDING);
    }
}
