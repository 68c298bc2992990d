package dev.poolstream.provider.aws.moto;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A moto server (the AWS emulator from PyPI, {@code pip install "moto[server]"}) on a free loopback port, run as a
 * subprocess of the tests (and of {@code ./bench.sh cloud-calls}, through this module's test-jar), and a
 * {@link ThrottlingProxy} in front of it.
 */
public final class MotoServer implements AutoCloseable {

    private final Process process;
    private final URI endpoint;
    private final ThrottlingProxy proxy;
    private final Path log;

    private MotoServer(Process process, URI endpoint, ThrottlingProxy proxy, Path log) {
        this.process = process;
        this.endpoint = endpoint;
        this.proxy = proxy;
        this.log = log;
    }

    /** The python to run moto with: {@code POOLSTREAM_PYTHON}, else {@code python3}. */
    public static String python() {
        String configured = System.getenv("POOLSTREAM_PYTHON");
        return configured == null || configured.isBlank() ? "python3" : configured;
    }

    /** Empty when moto's server can be started here; otherwise why not. */
    public static java.util.Optional<String> unavailable() {
        return unavailable(python());
    }

    static java.util.Optional<String> unavailable(String python) {
        try {
            Process probe = new ProcessBuilder(python, "-c", "import moto.server, moto; print(moto.__version__)")
                    .redirectErrorStream(true).start();
            String out = new String(probe.getInputStream().readAllBytes()).trim();
            if (!probe.waitFor(60, TimeUnit.SECONDS)) {
                probe.destroyForcibly();
                return java.util.Optional.of(python + " did not answer within 60 s");
            }
            return probe.exitValue() == 0 ? java.util.Optional.empty()
                    : java.util.Optional.of(python + " cannot import moto.server: " + lastLine(out));
        } catch (IOException e) {
            return java.util.Optional.of(python + " cannot be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return java.util.Optional.of("interrupted");
        }
    }

    public static MotoServer start() throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        Path log = Files.createTempFile("moto-", ".log");
        Process process = new ProcessBuilder(List.of(python(), "-m", "moto.server", "-H", "127.0.0.1", "-p",
                Integer.toString(port))).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        URI endpoint = URI.create("http://127.0.0.1:" + port);
        if (!answers(process, endpoint, Duration.ofSeconds(60))) {
            boolean exited = !process.isAlive();
            process.destroyForcibly();
            throw new IllegalStateException("moto server " + (exited ? "exited"
                    : "did not answer within 60 s") + "; its output: " + Files.readString(log));
        }
        return new MotoServer(process, endpoint, ThrottlingProxy.start(endpoint), log);
    }

    /** Whether moto answers on its endpoint before it exits or the time is up. */
    private static boolean answers(Process process, URI endpoint, Duration within) {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + within.toNanos();
        while (process.isAlive() && System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(endpoint.resolve("/moto-api/")).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return true;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** Moto itself. */
    public URI endpoint() {
        return endpoint;
    }

    /** The proxy in front of moto, where throttling can be injected. */
    public ThrottlingProxy proxy() {
        return proxy;
    }

    @Override
    public void close() {
        proxy.close();
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temp file
        }
    }

    private static String lastLine(String text) {
        String[] lines = text.split("\n");
        return lines[lines.length - 1];
    }
}
