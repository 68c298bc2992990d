package dev.poolstream.provider.azure.arm;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1, made once per test JVM with the JDK's own {@code keytool}: the server
 * side (key) for the ARM fake and the client side (trust) for the SDK's HTTP client. Test-only; never leaves the
 * temporary directory.
 */
public final class TestCertificate {

    private static final char[] PASSWORD = "arm-fake".toCharArray();
    private static TestCertificate instance;

    private final SSLContext server;
    private final SSLContext client;

    private TestCertificate(SSLContext server, SSLContext client) {
        this.server = server;
        this.client = client;
    }

    public static synchronized TestCertificate get() {
        if (instance == null) {
            instance = generate();
        }
        return instance;
    }

    public SSLContext serverContext() {
        return server;
    }

    public SSLContext clientContext() {
        return client;
    }

    private static TestCertificate generate() {
        try {
            Path dir = Files.createTempDirectory("arm-fake-tls");
            Path store = dir.resolve("server.p12");
            String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
            Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "arm", "-keyalg", "EC",
                    "-groupname", "secp256r1", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                    "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                    "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD)))
                    .redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes());
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore keys = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keys.load(in, PASSWORD);
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(keys, PASSWORD);
            SSLContext server = SSLContext.getInstance("TLS");
            server.init(kmf.getKeyManagers(), null, null);

            Certificate certificate = keys.getCertificate("arm");
            KeyStore trust = KeyStore.getInstance("PKCS12");
            trust.load(null, null);
            trust.setCertificateEntry("arm", certificate);
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext client = SSLContext.getInstance("TLS");
            client.init(null, tmf.getTrustManagers(), null);
            Files.deleteIfExists(store);
            Files.deleteIfExists(dir);
            return new TestCertificate(server, client);
        } catch (IOException | InterruptedException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("could not make the test certificate", e);
        }
    }
}
