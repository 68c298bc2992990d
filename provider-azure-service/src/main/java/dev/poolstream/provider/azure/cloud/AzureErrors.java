package dev.poolstream.provider.azure.cloud;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementException;
import dev.poolstream.events.Failure;
import dev.poolstream.provider.cloud.CommandRefusedException;
import dev.poolstream.provider.cloud.RetryableCommandException;
import dev.poolstream.provider.domain.Reasons;
import java.io.UncheckedIOException;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Turns what the SDK throws (after its own retries, which honour {@code Retry-After}) into what the engine
 * understands: throttling, 5xx, conflicts with an operation in progress and I/O failures are worth retrying the
 * command; any other 4xx is a refusal with ARM's code and message.
 */
final class AzureErrors {

    /** ARM codes that say "not now" rather than "never". */
    private static final Set<String> TRANSIENT_CODES = Set.of("OperationNotAllowed", "Conflict",
            "OperationPreempted", "RetryableError", "TooManyRequests", "SubscriptionRequestsThrottled",
            "AllocationFailed", "ZonalAllocationFailed", "InternalExecutionError");

    static <T> T call(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (HttpResponseException e) {
            throw translate(what, e);
        } catch (UncheckedIOException e) {
            throw new RetryableCommandException("CloudUnreachable", what + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            if (e.getCause() instanceof java.io.IOException || e.getCause() instanceof java.util.concurrent.TimeoutException) {
                throw new RetryableCommandException("CloudUnreachable", what + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    static void run(String what, Runnable call) {
        call(what, () -> {
            call.run();
            return null;
        });
    }

    static boolean isNotFound(HttpResponseException e) {
        return e.getResponse() != null && e.getResponse().getStatusCode() == 404;
    }

    static RuntimeException translate(String what, HttpResponseException e) {
        int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
        String code = code(e);
        String message = what + ": " + (status == 0 ? "" : "HTTP " + status + " ") + code + ": " + message(e);
        if (status == 429) {
            return new RetryableCommandException("CloudThrottled", message, e);
        }
        // 412: a create found the scale set there already; the next attempt describes it, ours or not.
        if (status >= 500 || status == 409 || status == 412 || status == 0 || TRANSIENT_CODES.contains(code)) {
            return new RetryableCommandException("CloudUnavailable", message, e);
        }
        return new CommandRefusedException(new Failure(Reasons.CLOUD_REJECTED, message), e);
    }

    static String code(HttpResponseException e) {
        if (e instanceof ManagementException m && m.getValue() != null && m.getValue().getCode() != null) {
            return m.getValue().getCode();
        }
        return "";
    }

    private static String message(HttpResponseException e) {
        if (e instanceof ManagementException m && m.getValue() != null && m.getValue().getMessage() != null) {
            return m.getValue().getMessage();
        }
        return String.valueOf(e.getMessage());
    }

    private AzureErrors() {
    }
}
