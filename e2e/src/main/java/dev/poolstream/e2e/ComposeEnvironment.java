package dev.poolstream.e2e;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The services' and the broker's settings as {@code docker-compose.yml} gives them, so that this tier runs what
 * compose runs: each service's {@code environment} with compose's {@code ${VAR:-default}} substituted, and the
 * addresses of compose's network ({@code kafka:9092}, {@code http://moto:5000}, the kubeconfig mounted at
 * {@code /kube/config}) replaced by this run's loopback ones; the broker's {@code KAFKA_*} variables turned into
 * {@code server.properties} the way the apache/kafka image does.
 */
public final class ComposeEnvironment {

    /** Compose's in-network addresses, as the file writes them. */
    public static final String KAFKA_ADDRESS = "kafka:9092";
    public static final String MOTO_ADDRESS = "http://moto:5000";
    public static final String KUBECONFIG_MOUNT = "/kube/config";

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)(?::?-([^}]*))?}");

    private final Map<String, Object> services;

    private ComposeEnvironment(Map<String, Object> services) {
        this.services = services;
    }

    @SuppressWarnings("unchecked")
    public static ComposeEnvironment read(Path composeFile) {
        try (Reader reader = Files.newBufferedReader(composeFile)) {
            Map<String, Object> root = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
            Object services = root.get("services");
            if (!(services instanceof Map)) {
                throw new IllegalStateException(composeFile + " has no services");
            }
            return new ComposeEnvironment((Map<String, Object>) services);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + composeFile, e);
        }
    }

    /**
     * A service's environment as compose would give it: variables substituted from {@code variables} (else their
     * default), then compose's addresses replaced by this run's.
     *
     * @param variables  the shell variables compose would substitute (e.g. {@code POOLSTREAM_MODE=owner})
     * @param brokers    this run's bootstrap servers
     * @param motoUrl    this run's moto endpoint
     * @param kubeconfig this run's kubeconfig file
     */
    public Map<String, String> serviceEnvironment(String service, Map<String, String> variables, String brokers,
                                                  String motoUrl, Path kubeconfig) {
        Map<String, String> env = new TreeMap<>();
        for (Map.Entry<String, String> e : rawEnvironment(service).entrySet()) {
            String value = substitute(e.getValue(), variables)
                    .replace(KAFKA_ADDRESS, brokers)
                    .replace(MOTO_ADDRESS, motoUrl);
            if (value.equals(KUBECONFIG_MOUNT)) {
                value = kubeconfig.toString();
            }
            env.put(e.getKey(), value);
        }
        return env;
    }

    /** The broker's {@code server.properties} from its {@code KAFKA_*} variables, as the apache/kafka image maps them. */
    public Map<String, String> brokerProperties(String service) {
        Map<String, String> properties = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : rawEnvironment(service).entrySet()) {
            if (e.getKey().startsWith("KAFKA_")) {
                properties.put(propertyName(e.getKey()), substitute(e.getValue(), Map.of()));
            }
        }
        return properties;
    }

    /**
     * The broker's properties without compose's TLS and SASL settings: this tier runs Kafka in plaintext (docs/e2e.md),
     * since compose's key and certificate are made in a container at its start. The caller sets the listeners.
     */
    public static Map<String, String> plaintext(Map<String, String> brokerProperties) {
        Map<String, String> plain = new LinkedHashMap<>(brokerProperties);
        plain.keySet().removeIf(k -> k.startsWith("ssl.") || k.startsWith("sasl.") || k.startsWith("listener.name."));
        return plain;
    }

    /** The variable that sets a service's Kafka security protocol (Spring Boot's {@code spring.kafka.security.protocol}). */
    public static final String SECURITY_PROTOCOL_VARIABLE = "SPRING_KAFKA_SECURITY_PROTOCOL";

    /**
     * A service's environment for the plaintext broker: compose's SASL_SSL client settings (truststore, login) left
     * out and the protocol set to PLAINTEXT explicitly, so that nothing else of the environment changes.
     */
    public static Map<String, String> plaintextClient(Map<String, String> serviceEnvironment) {
        Map<String, String> plain = new TreeMap<>(serviceEnvironment);
        plain.keySet().removeIf(k -> k.startsWith("SPRING_KAFKA_SSL_") || k.startsWith("SPRING_KAFKA_PROPERTIES_SASL_"));
        plain.put(SECURITY_PROTOCOL_VARIABLE, "PLAINTEXT");
        return plain;
    }

    /** {@code KAFKA_NODE_ID} → {@code node.id}; {@code ___} → {@code -}, {@code __} → {@code _}, {@code _} → {@code .}. */
    static String propertyName(String variable) {
        return variable.substring("KAFKA_".length()).toLowerCase()
                .replace("___", "\u0001").replace("__", "\u0002").replace('_', '.')
                .replace('\u0001', '-').replace('\u0002', '_');
    }

    static String substitute(String value, Map<String, String> variables) {
        Matcher m = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String set = variables.get(m.group(1));
            String replacement = set != null && !set.isEmpty() ? set : m.group(2) == null ? "" : m.group(2);
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    @SuppressWarnings("unchecked")
    private Map<String, String> rawEnvironment(String service) {
        Object definition = services.get(service);
        if (!(definition instanceof Map)) {
            throw new IllegalArgumentException("docker-compose.yml has no service " + service);
        }
        Object environment = ((Map<String, Object>) definition).get("environment");
        Map<String, String> env = new LinkedHashMap<>();
        if (environment instanceof Map<?, ?> map) {
            map.forEach((k, v) -> env.put(String.valueOf(k), v == null ? "" : String.valueOf(v)));
        } else if (environment instanceof List<?> list) {
            for (Object item : list) {
                String entry = String.valueOf(item);
                int eq = entry.indexOf('=');
                env.put(eq < 0 ? entry : entry.substring(0, eq), eq < 0 ? "" : entry.substring(eq + 1));
            }
        }
        return env;
    }
}
