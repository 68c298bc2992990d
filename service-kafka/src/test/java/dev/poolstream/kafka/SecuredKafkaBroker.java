package dev.poolstream.kafka;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A real KRaft broker (broker and controller in one) in the test JVM, as Strimzi runs Poolstream's: a SASL_SSL listener
 * with SCRAM-SHA-512 logins and the StandardAuthorizer, so that nothing is allowed without an ACL. Its key and
 * self-signed certificate are made by the JDK's keytool at start; the clients trust the certificate as PEM, as the
 * services trust Strimzi's cluster CA. {@code @EmbeddedKafka}'s KRaft test kit binds its own plaintext listeners, so
 * the broker is started here from its parts.
 */
final class SecuredKafkaBroker implements AutoCloseable {

    static final String ADMIN = "admin";
    static final String MECHANISM = "SCRAM-SHA-512";

    private final Path dir;
    private final Map<String, String> passwords;
    private final int port;
    private final KafkaRaftServer server;

    /**
     * @param users the SCRAM users besides the super user {@link #ADMIN}, each with a random password
     */
    SecuredKafkaBroker(Path dir, List<String> users) throws Exception {
        this.dir = dir;
        Map<String, String> logins = new java.util.LinkedHashMap<>();
        logins.put(ADMIN, randomPassword());
        users.forEach(u -> logins.put(u, randomPassword()));
        this.passwords = Map.copyOf(logins);
        String storePassword = randomPassword();
        makeKeyAndCertificate(storePassword);

        this.port = freePort();
        int controllerPort = freePort();
        Path logs = Files.createDirectories(dir.resolve("logs"));
        List<String> scram = new ArrayList<>();
        logins.forEach((user, password) -> scram.add(MECHANISM + "=[name=" + user + ",password=" + password + "]"));
        // The SCRAM credentials go into the metadata log at format time, as kafka-storage format --add-scram does.
        new Formatter().setPrintStream(new PrintStream(PrintStream.nullOutputStream()))
                .setNodeId(1).setClusterId(Uuid.randomUuid().toString())
                .setDirectories(List.of(logs.toString())).setMetadataLogDirectory(logs.toString())
                .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION).setControllerListenerName("CONTROLLER")
                .setScramArguments(scram).run();

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@localhost:" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listeners", "SASL_SSL://localhost:" + port + ",CONTROLLER://localhost:" + controllerPort);
        p.put("advertised.listeners", "SASL_SSL://localhost:" + port);
        p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "SASL_SSL");
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", jaas(ADMIN));
        p.put(SslConfigs.SSL_KEYSTORE_TYPE_CONFIG, "PKCS12");
        p.put(SslConfigs.SSL_KEYSTORE_LOCATION_CONFIG, dir.resolve("broker.p12").toString());
        p.put(SslConfigs.SSL_KEYSTORE_PASSWORD_CONFIG, storePassword);
        p.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM");
        p.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, caCertificate().toString());
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        // ANONYMOUS is the broker itself on the plaintext controller listener, bound to loopback: it registers there.
        p.put("super.users", "User:" + ADMIN + ";User:ANONYMOUS");
        p.put("log.dirs", logs.toString());
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "1");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        this.server = new KafkaRaftServer(new KafkaConfig(p), Time.SYSTEM);
        server.startup();
    }

    String bootstrapServers() {
        return "localhost:" + port;
    }

    /** The PEM certificate clients trust (the broker's own: it is self-signed). */
    Path caCertificate() {
        return dir.resolve("ca.crt");
    }

    /** A user's login as Strimzi writes it into the user's Secret (key {@code sasl.jaas.config}). */
    String jaas(String user) {
        return jaas(user, passwords.get(user));
    }

    static String jaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
    }

    /** Client properties of the super user, for setting up topics and ACLs. */
    Map<String, Object> adminClient() {
        return Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL",
                SaslConfigs.SASL_MECHANISM, MECHANISM,
                SaslConfigs.SASL_JAAS_CONFIG, jaas(ADMIN),
                SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, "PEM",
                SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, caCertificate().toString());
    }

    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private void makeKeyAndCertificate(String storePassword) throws IOException, InterruptedException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        String store = dir.resolve("broker.p12").toString();
        run(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", store, "-storepass", storePassword);
        run(keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", store, "-storepass", storePassword,
                "-file", caCertificate().toString());
    }

    private void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dir.resolve("keytool.log").toFile()).start();
        if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new IllegalStateException("keytool failed: " + Files.readString(dir.resolve("keytool.log")));
        }
    }

    private static String randomPassword() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
