package dev.poolstream.api;

import static org.assertj.core.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The clusterctl sample templates of ../shared/capi/samples, with their variables substituted as clusterctl does. */
final class Samples {

    static final List<String> FILES = List.of(
            "samples/capd-machine-pool.yaml",
            "samples/capa-cluster-template-machinepool.yaml",
            "samples/capz-cluster-template-machinepool.yaml");

    static final Map<String, String> VARIABLES = Map.ofEntries(
            Map.entry("CLUSTER_NAME", "demo"),
            Map.entry("KUBERNETES_VERSION", "v1.33.1"),
            Map.entry("WORKER_MACHINE_COUNT", "3"),
            Map.entry("CONTROL_PLANE_MACHINE_COUNT", "1"),
            Map.entry("AWS_REGION", "us-east-1"),
            Map.entry("AWS_AVAILABILITY_ZONE", "us-east-1a"),
            Map.entry("AWS_SSH_KEY_NAME", "default"),
            Map.entry("AWS_NODE_MACHINE_TYPE", "t3.large"),
            Map.entry("AWS_CONTROL_PLANE_MACHINE_TYPE", "t3.xlarge"),
            Map.entry("AZURE_SUBSCRIPTION_ID", "00000000-0000-0000-0000-000000000001"),
            Map.entry("AZURE_TENANT_ID", "00000000-0000-0000-0000-000000000002"),
            Map.entry("AZURE_CLIENT_ID_USER_ASSIGNED_IDENTITY", "00000000-0000-0000-0000-000000000003"),
            Map.entry("AZURE_LOCATION", "westeurope"),
            Map.entry("AZURE_NODE_MACHINE_TYPE", "Standard_D2s_v3"),
            Map.entry("AZURE_CONTROL_PLANE_MACHINE_TYPE", "Standard_D4s_v3"),
            Map.entry("CLUSTER_IDENTITY_NAME", "cluster-identity"));

    /** {@code ${NAME}} or {@code ${NAME:=default}}. */
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z0-9_]+)(?::=([^}]*))?}");

    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    record Document(String file, String yaml, GenericKubernetesResource generic) {
        String apiVersion() {
            return generic.getApiVersion();
        }

        String kind() {
            return generic.getKind();
        }

        <T> T as(Class<T> type) {
            return SERIALIZATION.unmarshal(yaml, type);
        }
    }

    static List<Document> all() {
        List<Document> documents = new ArrayList<>();
        for (String file : FILES) {
            for (String yaml : substitute(read(file)).split("(?m)^---\\s*$")) {
                if (!yaml.isBlank()) {
                    documents.add(new Document(file, yaml, SERIALIZATION.unmarshal(yaml, GenericKubernetesResource.class)));
                }
            }
        }
        return documents;
    }

    static List<Document> of(String apiVersion, String kind) {
        return all().stream().filter(d -> d.apiVersion().equals(apiVersion) && d.kind().equals(kind)).toList();
    }

    static String substitute(String template) {
        Matcher m = VARIABLE.matcher(template);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String value = VARIABLES.getOrDefault(m.group(1), m.group(2));
            if (value == null) {
                fail("sample variable ${%s} has no test value and no default", m.group(1));
            }
            m.appendReplacement(out, Matcher.quoteReplacement(value));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String read(String resource) {
        try (InputStream in = Samples.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is not on the test classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(resource, e);
        }
    }

    private Samples() {
    }
}
