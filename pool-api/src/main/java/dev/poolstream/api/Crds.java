package dev.poolstream.api;

import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * The Cluster API CRDs this model was generated from, shipped in the jar under {@code crds/} so that a
 * service, the sandbox or a test can install them in an API server or validate against their schemas.
 */
public final class Crds {

    public static final List<String> RESOURCES = List.of(
            "crds/cluster.x-k8s.io_machinepools.yaml",
            "crds/cluster.x-k8s.io_clusters.yaml",
            "crds/infrastructure.cluster.x-k8s.io_awsmachinepools.yaml",
            "crds/infrastructure.cluster.x-k8s.io_azuremachinepools.yaml",
            "crds/cluster.x-k8s.io_machines.yaml",
            "crds/cluster.x-k8s.io_machinehealthchecks.yaml",
            "crds/infrastructure.cluster.x-k8s.io_awsmachines.yaml",
            "crds/infrastructure.cluster.x-k8s.io_azuremachinepoolmachines.yaml");

    private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    public static List<CustomResourceDefinition> all() {
        return RESOURCES.stream().map(Crds::load).toList();
    }

    public static CustomResourceDefinition load(String resource) {
        try (InputStream in = Crds.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("CRD resource " + resource + " is not on the classpath");
            }
            return SERIALIZATION.unmarshal(in, CustomResourceDefinition.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read CRD resource " + resource, e);
        }
    }

    private Crds() {
    }
}
