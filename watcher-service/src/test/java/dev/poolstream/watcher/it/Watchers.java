package dev.poolstream.watcher.it;

import dev.poolstream.testing.MockCluster;

import dev.poolstream.watcher.WatcherApplication;
import java.util.ArrayList;
import java.util.List;
import org.springframework.context.ConfigurableApplicationContext;

/** Starts watcher-service instances against a test broker and the mock management cluster. */
final class Watchers {

    static {
        // fabric8 reads the management cluster's address from these, as from a kubeconfig in production.
        System.setProperty("kubernetes.auth.tryKubeConfig", "false");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.namespace", "poolstream");
    }

    static ConfigurableApplicationContext start(MockCluster management, String brokers, String identity) {
        System.setProperty("kubernetes.master", management.url());
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
        return WatcherApplication.builder()
                .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
    }

    private Watchers() {
    }
}
