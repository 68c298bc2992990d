package dev.poolstream.provider.aws.moto;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP proxy in front of moto that answers the next N requests of a given AWS action with what AWS sends
 * when it throttles (HTTP 400, code {@code Throttling}), and passes everything else through unchanged.
 */
public final class ThrottlingProxy implements AutoCloseable {

    private static final Set<String> HOP_BY_HOP = Set.of("host", "connection", "content-length", "expect", "upgrade",
            "transfer-encoding", "keep-alive", "te", "trailer", "proxy-connection");

    private final HttpServer server;
    private final URI target;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final Map<String, AtomicInteger> throttle = new ConcurrentHashMap<>();
    /** Action → what a request's body must contain to be throttled (absent: every request of the action). */
    private final Map<String, String> throttleOnly = new ConcurrentHashMap<>();
    private final AtomicInteger throttled = new AtomicInteger();
    /** Every request that reached the proxy: its query string and form body, URL-decoded. */
    private final List<String> requests = Collections.synchronizedList(new ArrayList<>());

    private ThrottlingProxy(HttpServer server, URI target) {
        this.server = server;
        this.target = target;
    }

    static ThrottlingProxy start(URI target) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
        ThrottlingProxy proxy = new ThrottlingProxy(server, target);
        server.createContext("/", proxy::handle);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "throttling-proxy");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return proxy;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answers the next {@code times} requests of {@code action} (e.g. {@code UpdateAutoScalingGroup}) with throttling. */
    public void throttleNext(String action, int times) {
        throttleOnly.remove(action);
        throttle.put(action, new AtomicInteger(times));
    }

    /**
     * Answers the next {@code times} requests of {@code action} whose form body contains {@code bodyPart} (e.g.
     * {@code AutoScalingGroupName=workers}) with throttling: one group's calls fail, every other group's go through.
     */
    public void throttleNext(String action, int times, String bodyPart) {
        throttleOnly.put(action, bodyPart);
        throttle.put(action, new AtomicInteger(times));
    }

    /** How many requests reached moto's endpoint so far: a mark for {@link #requestsSince}. */
    public int requestCount() {
        return requests.size();
    }

    /** The requests since the mark, each as its URL-decoded query string and form body. */
    public List<String> requestsSince(int mark) {
        synchronized (requests) {
            return List.copyOf(requests.subList(mark, requests.size()));
        }
    }

    /** How many requests were answered with throttling so far. */
    public int throttled() {
        return throttled.get();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            String action = action(exchange.getRequestURI().getRawQuery(), body);
            requests.add(URLDecoder.decode(exchange.getRequestURI().getRawQuery() == null ? ""
                    : exchange.getRequestURI().getRawQuery(), StandardCharsets.UTF_8) + " "
                    + URLDecoder.decode(new String(body, StandardCharsets.UTF_8), StandardCharsets.UTF_8));
            AtomicInteger left = action == null ? null : throttle.get(action);
            String only = action == null ? null : throttleOnly.get(action);
            if (only != null && !new String(body, StandardCharsets.UTF_8).contains(only)) {
                left = null;
            }
            if (left != null && left.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throttled.incrementAndGet();
                byte[] error = ("<ErrorResponse xmlns=\"https://autoscaling.amazonaws.com/doc/2011-01-01/\"><Error>"
                        + "<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
                        + "<RequestId>throttled-by-test</RequestId></ErrorResponse>").getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "text/xml");
                exchange.sendResponseHeaders(400, error.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(error);
                }
                return;
            }
            HttpRequest.Builder forward = HttpRequest.newBuilder(target.resolve(exchange.getRequestURI().toString()))
                    .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body))
                    .timeout(Duration.ofSeconds(30));
            exchange.getRequestHeaders().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase())) {
                    values.forEach(v -> forward.header(name, v));
                }
            });
            HttpResponse<byte[]> response = client.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
            response.headers().map().forEach((name, values) -> {
                if (!HOP_BY_HOP.contains(name.toLowerCase()) && !name.startsWith(":")) {
                    exchange.getResponseHeaders().put(name, values);
                }
            });
            byte[] out = response.body();
            exchange.sendResponseHeaders(response.statusCode(), out.length == 0 ? -1 : out.length);
            if (out.length > 0) {
                try (OutputStream stream = exchange.getResponseBody()) {
                    stream.write(out);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The Query-protocol action of a request (form body or query string). */
    private static String action(String query, byte[] body) {
        for (String source : new String[] {query, new String(body, StandardCharsets.UTF_8)}) {
            if (source == null) {
                continue;
            }
            for (String pair : source.split("&")) {
                if (pair.startsWith("Action=")) {
                    return URLDecoder.decode(pair.substring("Action=".length()), StandardCharsets.UTF_8);
                }
            }
        }
        return null;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
