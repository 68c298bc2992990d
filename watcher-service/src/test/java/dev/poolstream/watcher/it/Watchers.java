package dev.poolstream.watcher.it;

import dev.poolstream.testing.KubeApiServer;
import dev.poolstream.testing.MockCluster;

import dev.poolstream.watcher.WatcherApplication;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.support.GenericApplicationContext;

/** Starts watcher-service instances against a test broker and a management cluster (mock or real). */
final class Watchers {

    /** The watcher's ServiceAccount (namespace poolstream), as which the real-API-server tests run it. */
    static final String SERVICE_ACCOUNT = "watcher-service";
    /** Its ServiceAccount, ClusterRole, Role (the Lease) and bindings as {@code k8s/} ships them. */
    static final Path K8S_RBAC = Path.of("..", "k8s", "base", "watcher-service.yaml");

    static {
        // fabric8 reads the management cluster's address from these, as from a kubeconfig in production.
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.namespace", "poolstream");
    }

    static ConfigurableApplicationContext start(MockCluster management, String brokers, String identity) {
        System.setProperty("kubernetes.master", management.url());
        return WatcherApplication.builder().run(arguments(brokers, identity, List.of()));
    }

    /** As {@link #start(MockCluster, String, String)}, with {@code initializer} applied to the context first. */
    static ConfigurableApplicationContext start(MockCluster management, String brokers, String identity,
                                                ApplicationContextInitializer<ConfigurableApplicationContext> initializer) {
        System.setProperty("kubernetes.master", management.url());
        return WatcherApplication.builder().initializers(initializer).run(arguments(brokers, identity, List.of()));
    }

    /**
     * A watcher that reaches its management cluster through {@code management} (which it closes when it stops), for
     * the real API server, whose client certificates system properties cannot carry. {@code overrides} are
     * {@code name=value} properties given after the defaults of these tests.
     */
    static ConfigurableApplicationContext start(KubernetesClient management, String brokers, String identity,
                                                String... overrides) {
        return WatcherApplication.builder()
                .initializers(context -> ((GenericApplicationContext) context)
                        .registerBean("managementClient", KubernetesClient.class, () -> management))
                .run(arguments(brokers, identity, List.of(overrides)));
    }

    /**
     * A client that reaches the management cluster of {@code kubeconfig} (e.g. through a proxy) as the watcher's
     * ServiceAccount, impersonated as {@code KubeApiServer.clientAs} does.
     */
    static KubernetesClient asServiceAccount(String kubeconfig) {
        return new KubernetesClientBuilder().withConfig(
                KubeApiServer.actingAs(Config.fromKubeconfig(kubeconfig), SERVICE_ACCOUNT)).build();
    }

    private static String[] arguments(String brokers, String identity, List<String> overrides) {
        // Given as arguments: they override application.yaml (default properties would not).
        List<String> properties = new ArrayList<>(List.of(
                "server.port=0",
                "spring.kafka.bootstrap-servers=" + brokers,
                "poolstream.kafka.create-topics=true",
                "poolstream.watcher.lease.identity=" + identity,
                "poolstream.watcher.lease.namespace=poolstream",
                "poolstream.watcher.lease.duration=3s",
                "poolstream.watcher.lease.renew-deadline=2s",
                "poolstream.watcher.lease.retry-period=200ms",
                "poolstream.watcher.resync-period=1m",
                "poolstream.watcher.workload.initial-backoff=200ms",
                "poolstream.watcher.workload.max-backoff=2s",
                "poolstream.watcher.workload.connect-timeout=2s",
                "logging.structured.format.console="));
        properties.addAll(overrides);
        // One value per name, the last given: a repeated command-line option would join its values with commas.
        Map<String, String> byName = new LinkedHashMap<>();
        properties.forEach(p -> byName.put(p.substring(0, p.indexOf('=')), p));
        return byName.values().stream().map(p -> "--" + p).toArray(String[]::new);
    }

    private Watchers() {
    }
}
