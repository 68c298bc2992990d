package dev.poolstream.provider.azure.arm;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelineSyncPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts the ARM requests the SDK sends, on the client side of the pipeline (after the retry policy, so each
 * attempt counts once): writes (PUT, PATCH, POST, DELETE), polls of long-running operations (GETs of the URLs ARM
 * handed out in {@code Azure-AsyncOperation} or {@code Location}), and reads (every other GET). Each request keeps the
 * thread that sent it, so the command's requests can be told from the inventory poller's.
 */
public class ArmCalls extends HttpPipelineSyncPolicy {

    public enum Kind { READ, WRITE, POLL }

    public record Call(Kind kind, String method, String path, int status, String thread) {
    }

    private static final String THREAD = "poolstream.arm-calls.thread";

    private final List<Call> calls = new ArrayList<>();

    /**
     * Keeps the thread that made the call, before the retry policy: an attempt retried after a delay (a connection
     * the server closed) is sent from one of the SDK's reactor threads, and would otherwise be counted there. A
     * long-running operation's first request is at times sent from a reactor thread even so. The response may arrive
     * on the HTTP client's.
     */
    public static final class CallerThread extends HttpPipelineSyncPolicy {

        @Override
        protected void beforeSendingRequest(HttpPipelineCallContext context) {
            context.setData(THREAD, Thread.currentThread().getName());
        }

        @Override
        public HttpPipelinePosition getPipelinePosition() {
            return HttpPipelinePosition.PER_CALL;
        }
    }

    @Override
    protected void beforeSendingRequest(HttpPipelineCallContext context) {
        if (context.getData(THREAD).isEmpty()) {
            context.setData(THREAD, Thread.currentThread().getName());
        }
    }

    @Override
    protected synchronized HttpResponse afterReceivedResponse(HttpPipelineCallContext context, HttpResponse response) {
        HttpRequest request = context.getHttpRequest();
        String path = request.getUrl().getPath();
        Kind kind = request.getHttpMethod() != HttpMethod.GET ? Kind.WRITE
                : path.startsWith("/operations/") ? Kind.POLL : Kind.READ;
        calls.add(new Call(kind, request.getHttpMethod().name(), path, response.getStatusCode(),
                String.valueOf(context.getData(THREAD).orElse(Thread.currentThread().getName()))));
        return response;
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_RETRY;
    }

    public synchronized int mark() {
        return calls.size();
    }

    public synchronized List<Call> since(int mark) {
        return List.copyOf(calls.subList(mark, calls.size()));
    }

    public static long count(List<Call> calls, Kind kind) {
        return calls.stream().filter(c -> c.kind() == kind).count();
    }

    public static List<Call> onThread(List<Call> calls, String prefix) {
        List<Call> out = new ArrayList<>();
        calls.stream().filter(c -> c.thread().startsWith(prefix)).forEach(out::add);
        return out;
    }
}
