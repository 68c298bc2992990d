package dev.poolstream.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The mock server applies a JSON merge patch as the real API server does (RFC 7386): a list replaces the one
 * written, null removes a field. The services write a Machine's conditions and finalizers as whole lists; the mock
 * server once appended them, and a Machine doubled at every write in the sandbox.
 */
class MergePatchParityIT {

    private static final String NAMESPACE = "merge-parity";

    @Test
    void shouldReplaceListsAndRemoveNullFieldsAsTheRealApiServerDoes() {
        Function<KubernetesClient, MachinePool> patched = kube -> {
            MachinePool pool = MachinePoolSpecs.machinePool(NAMESPACE, "workers", "demo", 1);
            pool.getMetadata().setLabels(Map.of("team", "a", "tier", "gold"));
            pool.getMetadata().setFinalizers(List.of("one.example/f", "two.example/f"));
            MachinePool created = kube.resource(pool).create();
            patch(kube, created, false, """
                    {"metadata":{"labels":{"tier":null},"finalizers":["two.example/f"]}}""");
            patch(kube, created, true, """
                    {"status":{"conditions":[%s,%s]}}""".formatted(condition("A", "True"), condition("B", "True")));
            patch(kube, created, true, """
                    {"status":{"conditions":[%s,%s]}}""".formatted(condition("B", "False"), condition("C", "True")));
            return kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName("workers").get();
        };

        MachinePool real = patched.apply(KubeApiServer.shared().namespace(NAMESPACE).client());
        MachinePool mock;
        try (MockCluster cluster = new MockCluster()) {
            mock = patched.apply(cluster.client());
        }

        assertThat(real.getMetadata().getLabels()).containsExactlyEntriesOf(Map.of("team", "a"));
        assertThat(real.getMetadata().getFinalizers()).containsExactly("two.example/f");
        assertThat(real.getStatus().getConditions()).extracting(c -> c.getType() + "=" + c.getStatus().getValue())
                .containsExactly("B=False", "C=True");
        assertThat(mock.getMetadata().getLabels()).isEqualTo(real.getMetadata().getLabels());
        assertThat(mock.getMetadata().getFinalizers()).isEqualTo(real.getMetadata().getFinalizers());
        assertThat(mock.getStatus().getConditions()).extracting(c -> c.getType() + "=" + c.getStatus().getValue())
                .containsExactly("B=False", "C=True");
    }

    private static void patch(KubernetesClient kube, MachinePool pool, boolean status, String json) {
        var resource = kube.resources(MachinePool.class).inNamespace(NAMESPACE).withName(pool.getMetadata().getName());
        (status ? resource.subresource("status") : resource).patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }

    private static String condition(String type, String status) {
        return """
                {"type":"%s","status":"%s","lastTransitionTime":"2026-12-02T06:00:00Z","reason":"Because",\
                "message":""}""".formatted(type, status);
    }
}
