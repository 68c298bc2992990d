package dev.poolstream.testing;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The system properties that point fabric8's auto-configured client (a service's own {@code KubernetesClient} bean,
 * built from the properties and a kubeconfig file) at a real API server as one of Poolstream's ServiceAccounts: the
 * kubeconfig's admin impersonates it, so the server authorizes every call with the RBAC of {@code k8s/}. Made by
 * {@link KubeApiServer#serviceAccountProperties}; closed, the properties are as they were.
 */
public final class ServiceAccountProperties implements AutoCloseable {

    private static final List<String> NAMES = List.of("kubeconfig", "kubernetes.master",
            "kubernetes.auth.tryKubeConfig", "kubernetes.auth.tryServiceAccount", "kubernetes.impersonate.username",
            "kubernetes.impersonate.group");

    private final Map<String, String> saved = new HashMap<>();

    ServiceAccountProperties(String kubeconfig, String user, List<String> groups) {
        NAMES.forEach(name -> saved.put(name, System.getProperty(name)));
        System.clearProperty("kubernetes.master");
        System.setProperty("kubeconfig", kubeconfig);
        System.setProperty("kubernetes.auth.tryKubeConfig", "true");
        System.setProperty("kubernetes.auth.tryServiceAccount", "false");
        System.setProperty("kubernetes.impersonate.username", user);
        System.setProperty("kubernetes.impersonate.group", String.join(",", groups));
    }

    @Override
    public void close() {
        saved.forEach((name, value) -> {
            if (value == null) {
                System.clearProperty(name);
            } else {
                System.setProperty(name, value);
            }
        });
    }
}
