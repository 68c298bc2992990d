package dev.poolstream.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.cluster.v1beta2.MachinePool;
import dev.poolstream.api.cluster.v1beta2.MachinePoolStatus;
import dev.poolstream.api.cluster.v1beta2.machinepoolstatus.Versions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The real tier itself: the CRDs are served, and the server validates what the mock server lets through. */
class KubeApiServerIT {

    @Test
    void shouldServeTheClusterApiKindsAndRejectAStatusTheSchemaForbids() {
        KubeApiServer server = KubeApiServer.shared().namespace("tier");
        KubernetesClient kube = server.client();
        MachinePool pool = kube.resource(MachinePoolSpecs.machinePool("tier", "workers", "demo", 1)).create();
        assertThat(pool.getMetadata().getGeneration()).isEqualTo(1L);

        MachinePoolStatus status = new MachinePoolStatus();
        status.setReplicas(0);
        status.setVersions(List.of());
        pool.setStatus(status);

        assertThatThrownBy(() -> kube.resource(pool).updateStatus())
                .isInstanceOfSatisfying(KubernetesClientException.class, e -> {
                    assertThat(e.getCode()).isEqualTo(422);
                    assertThat(e.getMessage()).contains("status.versions");
                });

        assertThat(server.refusedWrites()).filteredOn(r -> r.namespace().equals("tier"))
                .singleElement().satisfies(refused -> {
                    assertThat(refused.resource()).isEqualTo("machinepools");
                    assertThat(refused.subresource()).isEqualTo("status");
                    assertThat(refused.code()).isEqualTo(422);
                });

        Versions versions = new Versions();
        versions.setVersion("v1.34.4");
        versions.setReplicas(1);
        status.setVersions(List.of(versions));
        assertThat(kube.resource(pool).updateStatus().getStatus().getReplicas()).isZero();
    }

    @Test
    void shouldAuthorizeAServiceByTheRbacOfItsManifestAndRecordItsCallsAsItsServiceAccount() {
        KubeApiServer server = KubeApiServer.shared().namespace("rbac-tier");
        server.applyRbac(Path.of("..", "k8s", "base", "watcher-service.yaml"));
        try (KubernetesClient watcher = server.clientAs("watcher-service")) {
            assertThat(watcher.resources(MachinePool.class).inNamespace("rbac-tier").list().getItems()).isEmpty();
            assertThatThrownBy(() -> watcher.resource(MachinePoolSpecs.machinePool("rbac-tier", "x", "demo", 1))
                    .create()).isInstanceOfSatisfying(KubernetesClientException.class,
                            e -> assertThat(e.getCode()).isEqualTo(403));
        }
        assertThat(server.requests()).filteredOn(r -> r.namespace().equals("rbac-tier")
                        && r.user().equals("system:serviceaccount:poolstream:watcher-service"))
                .extracting(AuditedRequest::verb, AuditedRequest::code)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("list", 200),
                        org.assertj.core.groups.Tuple.tuple("create", 403));
    }

    @Test
    void shouldStopWaitingWhenKubeApiServerExitsWhileStartingAndTryOnceMore() {
        PrintStream err = System.err;
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        System.setErr(new PrintStream(said, true, StandardCharsets.UTF_8));
        try {
            assertThatThrownBy(() -> KubeApiServer.start("--no-such-flag=1"))
                    .hasMessage("etcd or kube-apiserver exited with code 1 while starting (its output is logged at"
                            + " DEBUG by io.fabric8.kubeapitest)")
                    // the readiness wait was ended when the process exited, not at its two-minute timeout
                    .hasRootCauseInstanceOf(InterruptedException.class);
        } finally {
            System.setErr(err);
        }
        assertThat(said.toString(StandardCharsets.UTF_8).lines().filter(l -> l.contains("trying once more")))
                .singleElement().asString().contains("etcd or kube-apiserver exited with code 1");
        assertThat(Thread.currentThread().isInterrupted()).isFalse();
    }
}
