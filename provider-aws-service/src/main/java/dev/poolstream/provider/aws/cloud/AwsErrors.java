package dev.poolstream.provider.aws.cloud;

import dev.poolstream.events.Failure;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.domain.Reasons;
import java.util.Set;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Turns what the SDK throws (after its own retries) into what the engine understands: throttling, 5xx, contention
 * and I/O failures are worth retrying the command; any other 4xx is a refusal with AWS's code and message.
 */
final class AwsErrors {

    /**
     * 4xx codes that say "not now" rather than "never". AlreadyExists: a group is created only when the describe
     * found none or one being deleted, and a group's deletion takes minutes; tried again, the command describes it
     * anew (refused for good, a pool made again under a deleted one's name waited on the reconciler's backoff, its
     * condition saying CloudRejected).
     */
    private static final Set<String> TRANSIENT_CODES = Set.of("ResourceContention", "ScalingActivityInProgress",
            "ResourceInUse", "RequestLimitExceeded", "Throttling", "ThrottlingException", "IncorrectInstanceState",
            "AlreadyExists");

    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (AwsServiceException e) {
            throw translate(what, e);
        } catch (SdkClientException e) {
            throw new RetryableCommandException("CloudUnreachable", what + ": " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new RetryableCommandException("CloudError", what + ": " + e.getMessage(), e);
        }
    }

    static void run(String what, Runnable call) {
        call(what, () -> {
            call.run();
            return null;
        });
    }

    static RuntimeException translate(String what, AwsServiceException e) {
        String code = code(e);
        String message = what + ": " + code + ": " + (e.awsErrorDetails() == null ? e.getMessage()
                : e.awsErrorDetails().errorMessage());
        if (e.isThrottlingException()) {
            return new RetryableCommandException("CloudThrottled", message, e);
        }
        if (e.statusCode() >= 500 || TRANSIENT_CODES.contains(code)) {
            return new RetryableCommandException("CloudUnavailable", message, e);
        }
        return new CommandRefusedException(new Failure(Reasons.CLOUD_REJECTED, message), e);
    }

    static String code(AwsServiceException e) {
        return e.awsErrorDetails() == null || e.awsErrorDetails().errorCode() == null ? ""
                : e.awsErrorDetails().errorCode();
    }

    private AwsErrors() {
    }
}
