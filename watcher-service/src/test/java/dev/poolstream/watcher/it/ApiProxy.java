package dev.poolstream.watcher.it;

import dev.poolstream.testing.KubeApiServer;
import io.fabric8.kubeapitest.cert.CertManager;
import io.fabric8.kubernetes.api.model.NamedCluster;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.internal.SSLUtils;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocketFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * A TLS-terminating proxy in front of a real API server, for cutting the watcher off and letting it back in, and
 * for seeing what it asked and what it was told. It presents a certificate of its own (the kubeconfig it hands out
 * trusts that one), and reaches the API server with the server's admin client certificate. Between the two TLS
 * connections the HTTP/1.1 exchanges are plain text: each request line is recorded with its {@code Accept} header,
 * its answer's status code, whether it was {@code 410 Gone}, as the status or as the {@code ERROR} event of a watch,
 * and whether the answer carried the text given to {@link #watchFor(String)}.
 */
final class ApiProxy implements AutoCloseable {

    /** At the end of a line: a body sent without a line break runs into the next request's line. */
    private static final Pattern REQUEST_LINE = Pattern.compile("([A-Z]+) (/\\S*) HTTP/1\\.1$");
    private static final Pattern STATUS_LINE = Pattern.compile("HTTP/1\\.1 (\\d{3}) ");
    /** The Status of a watch's ERROR event that says the watch's resourceVersion is gone. */
    private static final String GONE_EVENT = "\"code\":410";
    /** What is kept of one chunk for the next: a mark split between two chunks is still found. */
    private static final int CARRIED = 12;

    /** One request that went through, in the order they came. */
    static final class Exchange {
        final long sequence;
        final String method;
        final String target;
        /** The status code of the answer; 0 until it comes, 101 for a watch over a WebSocket. */
        volatile int status;
        volatile boolean gone;
        /** The request's Accept header, "" without one. */
        volatile String accept = "";
        /** The answer carried the text watched for. */
        volatile boolean carried;

        Exchange(long sequence, String method, String target) {
            this.sequence = sequence;
            this.method = method;
            this.target = target;
        }

        String path() {
            int query = target.indexOf('?');
            return query < 0 ? target : target.substring(0, query);
        }

        boolean watch() {
            return target.contains("watch=true");
        }

        @Override
        public String toString() {
            return sequence + " " + method + " " + target + " -> " + status + (gone ? " (410 Gone)" : "");
        }
    }

    private final SSLServerSocket listener;
    private final SSLSocketFactory upstream;
    private final String upstreamHost;
    private final int upstreamPort;
    private final Path directory;
    private final String kubeconfig;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "api-proxy");
        thread.setDaemon(true);
        return thread;
    });
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final List<Exchange> exchanges = new CopyOnWriteArrayList<>();
    private final AtomicLong sequence = new AtomicLong();
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean cut;
    private volatile boolean closed;
    private volatile String watchedFor;

    ApiProxy(KubeApiServer server) throws Exception {
        Config config = server.config();
        URI url = URI.create(config.getMasterUrl());
        upstreamHost = url.getHost();
        upstreamPort = url.getPort();
        upstream = SSLUtils.sslContext(config).getSocketFactory();

        directory = Files.createTempDirectory("api-proxy");
        Path key = directory.resolve("proxy.key");
        Path cert = directory.resolve("proxy.crt");
        CertManager.generateKeyAndCertificate("CN=poolstream-test-proxy", key.toFile(), cert.toFile(),
                new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        listener = (SSLServerSocket) serverContext(key, cert).getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());

        KubernetesSerialization serialization = new KubernetesSerialization();
        io.fabric8.kubernetes.api.model.Config proxied = serialization.unmarshal(server.kubeconfig(),
                io.fabric8.kubernetes.api.model.Config.class);
        for (NamedCluster cluster : proxied.getClusters()) {
            cluster.getCluster().setServer("https://127.0.0.1:" + listener.getLocalPort());
            // In the kubeconfig, not a path: a kubeconfig from a Secret that names a file is refused.
            cluster.getCluster().setCertificateAuthority(null);
            cluster.getCluster().setCertificateAuthorityData(java.util.Base64.getEncoder()
                    .encodeToString(Files.readAllBytes(cert)));
        }
        kubeconfig = serialization.asYaml(proxied);
        threads.execute(this::accept);
    }

    /** A kubeconfig for the API server through this proxy, with the same admin user. */
    String kubeconfig() {
        return kubeconfig;
    }

    /** Closes every open connection and refuses new ones until {@link #restore()}. */
    void cut() {
        cut = true;
        open.forEach(ApiProxy::closeQuietly);
    }

    void restore() {
        cut = false;
    }

    /** Connections refused while cut: the watcher tried to come back. */
    int refused() {
        return refused.get();
    }

    List<Exchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** From now on, marks each answer that carries {@code text} (as sent: base64 stays base64). */
    void watchFor(String text) {
        watchedFor = text;
    }

    private void accept() {
        while (!closed) {
            Socket client;
            try {
                client = listener.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue;
            }
            if (cut) {
                refused.incrementAndGet();
                closeQuietly(client);
                continue;
            }
            threads.execute(() -> relay(client));
        }
    }

    private void relay(Socket client) {
        Socket server = null;
        try {
            server = upstream.createSocket(upstreamHost, upstreamPort);
            open.add(client);
            open.add(server);
            if (cut) {
                return;
            }
            Connection connection = new Connection();
            Socket to = server;
            threads.execute(() -> pump(client, to, connection::request));
            pump(server, client, connection::response);
        } catch (IOException e) {
            // the other side went away, or the proxy was cut
        } finally {
            closeQuietly(client);
            if (server != null) {
                closeQuietly(server);
                open.remove(server);
            }
            open.remove(client);
        }
    }

    private interface Observer {
        void seen(byte[] bytes, int length);
    }

    private static void pump(Socket from, Socket to, Observer observer) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int read;
            while ((read = in.read(buffer)) >= 0) {
                observer.seen(buffer, read);
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // closed by the other pump, or cut
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** One client connection: HTTP/1.1 without pipelining, so an answer belongs to the last request sent. */
    private final class Connection {
        private final StringBuilder line = new StringBuilder();
        private boolean inHeaders;
        private volatile Exchange current;
        private Exchange tailOf;
        private String tail = "";

        void request(byte[] bytes, int length) {
            for (int i = 0; i < length; i++) {
                char c = (char) (bytes[i] & 0xff);
                if (c == '\n') {
                    String text = line.toString().stripTrailing();
                    Matcher request = REQUEST_LINE.matcher(text);
                    if (request.find()) {
                        current = new Exchange(sequence.incrementAndGet(), request.group(1), request.group(2));
                        exchanges.add(current);
                        inHeaders = true;
                    } else if (inHeaders && text.isEmpty()) {
                        inHeaders = false;
                    } else if (inHeaders && current != null && text.regionMatches(true, 0, "accept:", 0, 7)) {
                        current.accept = text.substring(7).strip();
                    }
                    line.setLength(0);
                } else if (line.length() < 8 * 1024) {
                    line.append(c);
                }
            }
        }

        void response(byte[] bytes, int length) {
            Exchange exchange = current;
            String text = (tailOf == exchange ? tail : "") + new String(bytes, 0, length, StandardCharsets.ISO_8859_1);
            if (exchange != null) {
                Matcher status = STATUS_LINE.matcher(text);
                if (exchange.status == 0 && status.find()) {
                    exchange.status = Integer.parseInt(status.group(1));
                }
                if (exchange.status == 410 || text.contains(GONE_EVENT)) {
                    exchange.gone = true;
                }
                String marker = watchedFor;
                if (marker != null && text.contains(marker)) {
                    exchange.carried = true;
                }
            }
            String marker = watchedFor;
            int carried = Math.max(CARRIED, marker == null ? 0 : marker.length());
            tail = text.substring(Math.max(0, text.length() - carried));
            tailOf = exchange;
        }
    }

    private static SSLContext serverContext(Path key, Path cert) throws Exception {
        PrivateKey privateKey;
        try (Reader reader = Files.newBufferedReader(key); PEMParser parser = new PEMParser(reader)) {
            Object pem = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            privateKey = pem instanceof PEMKeyPair pair ? converter.getKeyPair(pair).getPrivate()
                    : converter.getPrivateKey((PrivateKeyInfo) pem);
        }
        Certificate certificate;
        try (InputStream in = Files.newInputStream(cert)) {
            certificate = CertificateFactory.getInstance("X.509").generateCertificate(in);
        }
        char[] password = "proxy".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("proxy", privateKey, password, new Certificate[] {certificate});
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, password);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException e) {
            // already closed
        }
        open.forEach(ApiProxy::closeQuietly);
        threads.shutdownNow();
        try (var files = Files.walk(directory)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind is harmless
        }
    }
}
