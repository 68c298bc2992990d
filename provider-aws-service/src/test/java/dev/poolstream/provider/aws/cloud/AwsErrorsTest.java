package dev.poolstream.provider.aws.cloud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

class AwsErrorsTest {

    private static AwsServiceException aws(int status, String code, String message) {
        return AwsServiceException.builder().statusCode(status)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage(message).build()).build();
    }

    @Test
    void shouldRetryWhenAwsThrottles() {
        assertThatThrownBy(() -> AwsErrors.call("x", () -> {
            throw aws(400, "Throttling", "Rate exceeded");
        })).isInstanceOfSatisfying(RetryableCommandException.class,
                e -> assertThat(e.reason()).isEqualTo("CloudThrottled"));
    }

    @Test
    void shouldRetryWhenAwsFailsWithServerError() {
        assertThatThrownBy(() -> AwsErrors.call("x", () -> {
            throw aws(503, "ServiceUnavailable", "try later");
        })).isInstanceOf(RetryableCommandException.class);
    }

    @Test
    void shouldRetryWhenGroupIsBusy() {
        assertThatThrownBy(() -> AwsErrors.call("x", () -> {
            throw aws(400, "ScalingActivityInProgress", "busy");
        })).isInstanceOf(RetryableCommandException.class);
    }

    @Test
    void shouldRetryWhenAGroupOfTheNameIsStillBeingDeleted() {
        // A pool made again under the same name, or a group deleted in the console: the planner creates it, and AWS
        // answers AlreadyExists until the old one is gone. The command is tried again, describing the group anew.
        assertThatThrownBy(() -> AwsErrors.call("CreateAutoScalingGroup g", () -> {
            throw aws(400, "AlreadyExists", "AutoScalingGroup by this name already exists - A group with the name g"
                    + " already exists");
        })).isInstanceOfSatisfying(RetryableCommandException.class,
                e -> assertThat(e.reason()).isEqualTo("CloudUnavailable"));
    }

    @Test
    void shouldRetryWhenEndpointIsUnreachable() {
        assertThatThrownBy(() -> AwsErrors.call("x", () -> {
            throw SdkClientException.create("Connection refused");
        })).isInstanceOfSatisfying(RetryableCommandException.class,
                e -> assertThat(e.reason()).isEqualTo("CloudUnreachable"));
    }

    @Test
    void shouldRefuseWithAwsCodeAndMessageWhenRequestIsInvalid() {
        assertThatThrownBy(() -> AwsErrors.call("UpdateAutoScalingGroup g", () -> {
            throw aws(400, "ValidationError", "Desired capacity:40 must be between the specified min size:1 and max");
        })).isInstanceOfSatisfying(CommandRefusedException.class, e -> {
            assertThat(e.failure().reason()).isEqualTo("CloudRejected");
            assertThat(e.failure().message()).contains("UpdateAutoScalingGroup g", "ValidationError",
                    "Desired capacity:40");
        });
    }
}
