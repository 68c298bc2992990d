package dev.poolstream.provider.azure.cloud;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.management.exception.ManagementException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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

    private static final ObjectMapper JSON = new ObjectMapper();

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
        // 412: a create found the scale set there already, or a PATCH's If-Match found it changed since the describe;
        // the next attempt describes it again.
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

    /**
     * ARM's error in a long-running operation's status body ({@code {"status":"Failed","error":{"code":...,
     * "message":...}}}) as "code: message", or {@code fallback} (the SDK's own words) when the body carries none.
     */
    static String operationError(String statusBody, String fallback) {
        if (statusBody != null && !statusBody.isBlank()) {
            try {
                JsonNode error = JSON.readTree(statusBody).path("error");
                String code = error.path("code").asText("");
                String message = error.path("message").asText("");
                if (!code.isEmpty() || !message.isEmpty()) {
                    return code.isEmpty() ? message : message.isEmpty() ? code : code + ": " + message;
                }
            } catch (JsonProcessingException e) {
                // not JSON: the SDK's words below still say that it failed
            }
        }
        return fallback;
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
