package dev.poolstream.watcher.domain;

import dev.poolstream.watcher.testing.KubeletNodes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.NodeState;
import dev.poolstream.events.Taint;
import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeStatesTest {

    @Test
    void shouldReadWhatThePipelineNeedsFromANode() {
        NodeState state = NodeStates.of("team-a/demo", node("2026-11-21T06:00:05Z", "True"));

        assertThat(state.cluster()).isEqualTo("team-a/demo");
        assertThat(state.name()).isEqualTo("ip-10-0-0-1");
        assertThat(state.uid()).isEqualTo("uid-1");
        assertThat(state.providerID()).isEqualTo("aws:///us-east-1a/i-1");
        assertThat(state.ready()).isEqualTo(ConditionStatus.TRUE);
        assertThat(state.readyTransitionTime()).isEqualTo(Instant.parse("2026-11-21T06:00:00Z"));
        assertThat(state.kubeletVersion()).isEqualTo("v1.33.1");
        assertThat(state.unschedulable()).isTrue();
        assertThat(state.taints()).containsExactly(
                new Taint("node.cluster.x-k8s.io/uninitialized", null, "NoSchedule"));
        assertThat(state.annotations()).containsOnlyKeys("cluster.x-k8s.io/owner-kind");
    }

    @Test
    void shouldReadTheSameStateWhenOnlyTheHeartbeatMoved() {
        assertThat(NodeStates.of("team-a/demo", node("2026-11-21T06:00:05Z", "True")))
                .isEqualTo(NodeStates.of("team-a/demo", node("2026-11-21T06:07:45Z", "True")));
        assertThat(NodeStates.of("team-a/demo", node("2026-11-21T06:00:05Z", "True")))
                .isNotEqualTo(NodeStates.of("team-a/demo", node("2026-11-21T06:00:05Z", "False")));
    }

    @Test
    void shouldReadANodeWithoutStatusAsNotReady() {
        Node bare = new NodeBuilder().withNewMetadata().withName("n").withUid("u").endMetadata().build();

        NodeState state = NodeStates.of("team-a/demo", bare);

        assertThat(state.ready()).isEqualTo(ConditionStatus.UNKNOWN);
        assertThat(state.providerID()).isEmpty();
        assertThat(state.key()).isEqualTo("cluster/team-a/demo/node/n");
        assertThat(state.taints()).isEmpty();
    }

    @Test
    void shouldReadTheReadyConditionWhenOtherConditionsComeFirst() {
        Node node = new NodeBuilder().withNewMetadata().withName("n").withUid("u").endMetadata()
                .withNewStatus()
                .addNewCondition().withType("DiskPressure").withStatus("True")
                .withLastTransitionTime("2026-11-21T05:00:00Z").endCondition()
                .addNewCondition().withType("Ready").withStatus("False")
                .withLastTransitionTime("2026-11-21T06:00:00Z").endCondition()
                .endStatus().build();

        NodeState state = NodeStates.of("team-a/demo", node);

        assertThat(state.ready()).isEqualTo(ConditionStatus.FALSE);
        assertThat(state.readyTransitionTime()).isEqualTo(Instant.parse("2026-11-21T06:00:00Z"));
    }

    @Test
    void shouldPublishWhenTheReconcilerStartedDrainingTheNodeAndNoOtherAnnotationOutsideClusterApi() {
        assertThat(NodeStates.of("team-a/demo", bigNode()).annotations()).containsOnlyKeys(
                "cluster.x-k8s.io/owner-kind", "cluster.x-k8s.io/machine", "poolstream.dev/drain-started");
    }

    @Test
    void shouldReadTheSameStateFromAStrippedNode() {
        Node big = bigNode();

        assertThat(NodeStates.of("team-a/demo", NodeStates.strip(big))).isEqualTo(NodeStates.of("team-a/demo", big));
    }

    @Test
    void shouldStripEverythingTheRecordDoesNotRead() {
        Node stripped = NodeStates.strip(bigNode());

        assertThat(stripped.getMetadata().getManagedFields()).isEmpty();
        assertThat(stripped.getMetadata().getAnnotations()).containsOnlyKeys("cluster.x-k8s.io/owner-kind",
                "cluster.x-k8s.io/machine", "poolstream.dev/drain-started");
        assertThat(stripped.getMetadata().getLabels()).containsOnlyKeys("cluster.x-k8s.io/cluster-name");
        assertThat(stripped.getMetadata().getResourceVersion()).isEqualTo("1234");
        assertThat(stripped.getStatus().getImages()).isEmpty();
        assertThat(stripped.getStatus().getAddresses()).isEmpty();
        assertThat(stripped.getStatus().getCapacity()).isEmpty();
        assertThat(stripped.getStatus().getAllocatable()).isEmpty();
        assertThat(stripped.getStatus().getConditions()).singleElement()
                .satisfies(c -> assertThat(c.getLastHeartbeatTime()).isNull());
        assertThat(stripped.getStatus().getNodeInfo().getOsImage()).isNull();
        assertThat(stripped.getSpec().getTaints()).extracting(t -> t.getKey())
                .containsExactly("node.cluster.x-k8s.io/uninitialized");
        assertThat(stripped.getSpec().getPodCIDRs()).isEmpty();
    }

    /**
     * Heap is the point of stripping: what is left empty is the one shared immutable instance, never a collection
     * allocated per Node (fabric8's model gives every list and map field its own).
     */
    @Test
    void shouldShareTheEmptyCollectionsOfEveryStrippedNode() {
        Node stripped = NodeStates.strip(bigNode());

        var meta = stripped.getMetadata();
        var spec = stripped.getSpec();
        var status = stripped.getStatus();
        for (Object empty : List.of(meta.getFinalizers(), meta.getManagedFields(), meta.getOwnerReferences(),
                spec.getPodCIDRs(), status.getAddresses(), status.getDeclaredFeatures(), status.getImages(),
                status.getRuntimeHandlers(), status.getVolumesAttached(), status.getVolumesInUse())) {
            assertThat(empty).isSameAs(List.of());
        }
        for (Object empty : List.of(meta.getAdditionalProperties(), stripped.getAdditionalProperties(),
                spec.getAdditionalProperties(), status.getAdditionalProperties(), status.getAllocatable(),
                status.getCapacity(), status.getNodeInfo().getAdditionalProperties(),
                status.getConditions().get(0).getAdditionalProperties())) {
            assertThat(empty).isSameAs(Map.of());
        }
        assertThat(NodeStates.strip(new NodeBuilder().withNewMetadata().withName("bare").endMetadata()
                .withNewStatus().withConditions(List.of()).endStatus().build()).getStatus().getConditions())
                .isSameAs(List.of());
    }

    /** Values a fleet's Nodes share are one String each, not one per Node. */
    @Test
    void shouldShareTheValuesEveryNodeOfAClusterRepeats() {
        Node one = NodeStates.strip(withFreshStrings(bigNode()));
        Node two = NodeStates.strip(withFreshStrings(bigNode()));

        assertThat(one.getMetadata().getAnnotations().get("cluster.x-k8s.io/owner-kind"))
                .isSameAs(two.getMetadata().getAnnotations().get("cluster.x-k8s.io/owner-kind"));
        assertThat(one.getStatus().getConditions().get(0).getStatus())
                .isSameAs(two.getStatus().getConditions().get(0).getStatus());
        assertThat(one.getStatus().getNodeInfo().getKubeletVersion())
                .isSameAs(two.getStatus().getNodeInfo().getKubeletVersion());
    }

    /** The node with its shared values as distinct String instances, as each Node's JSON decodes them. */
    @SuppressWarnings("StringOperationCanBeSimplified")
    private static Node withFreshStrings(Node node) {
        node.getMetadata().getAnnotations().replaceAll((k, v) -> new String(v));
        node.getStatus().getConditions().forEach(c -> c.setStatus(new String(c.getStatus())));
        node.getStatus().getNodeInfo().setKubeletVersion(new String(node.getStatus().getNodeInfo().getKubeletVersion()));
        return node;
    }

    @Test
    void shouldKeepTheReadyConditionWhereverItIsInTheList() {
        Node node = new NodeBuilder(bigNode()).editStatus()
                .withConditions(new io.fabric8.kubernetes.api.model.NodeConditionBuilder().withType("MemoryPressure")
                        .withStatus("True").withLastTransitionTime("2026-11-21T05:00:00Z").build(),
                        new io.fabric8.kubernetes.api.model.NodeConditionBuilder()
                        .withType("Ready").withStatus("False").withLastTransitionTime("2026-11-21T06:00:00Z")
                        .build())
                .endStatus().build();

        assertThat(NodeStates.strip(node).getStatus().getConditions()).singleElement().satisfies(c -> {
            assertThat(c.getType()).isEqualTo("Ready");
            assertThat(c.getStatus()).isEqualTo("False");
            assertThat(c.getLastTransitionTime()).isEqualTo("2026-11-21T06:00:00Z");
        });
    }

    /** A Node as a kubelet and Cluster API leave it: images, managedFields, and far more status than is read. */
    private static Node bigNode() {
        NodeBuilder builder = new NodeBuilder(node("2026-11-21T06:00:05Z", "True"));
        builder.editMetadata().withResourceVersion("1234")
                .addToAnnotations("cluster.x-k8s.io/machine", "workers-abcde")
                .addToAnnotations("poolstream.dev/drain-started", "2026-11-21T06:10:00Z")
                .addToAnnotations("volumes.kubernetes.io/controller-managed-attach-detach", "true")
                .addToLabels("cluster.x-k8s.io/cluster-name", "demo")
                .addToLabels("kubernetes.io/hostname", "ip-10-0-0-1")
                .addNewManagedField().withManager("kubelet").withOperation("Update").withApiVersion("v1")
                .withSubresource("status").endManagedField()
                .endMetadata()
                .editSpec().withPodCIDRs("10.244.1.0/24").endSpec();
        return KubeletNodes.filled(builder.build());
    }

    private static Node node(String heartbeat, String ready) {
        return new NodeBuilder()
                .withNewMetadata().withName("ip-10-0-0-1").withUid("uid-1").withResourceVersion(heartbeat)
                .addToAnnotations("cluster.x-k8s.io/owner-kind", "MachinePool")
                .addToAnnotations("node.alpha.kubernetes.io/ttl", "0")
                .endMetadata()
                .withNewSpec().withProviderID("aws:///us-east-1a/i-1").withUnschedulable(true)
                .addNewTaint().withKey("node.cluster.x-k8s.io/uninitialized").withEffect("NoSchedule").endTaint()
                .addNewTaint().withKey("example.com/dedicated").withValue("gpu").withEffect("NoSchedule").endTaint()
                .endSpec()
                .withNewStatus()
                .addNewCondition().withType("Ready").withStatus(ready).withReason("KubeletReady")
                .withLastHeartbeatTime(heartbeat).withLastTransitionTime("2026-11-21T06:00:00Z").endCondition()
                .addNewCondition().withType("MemoryPressure").withStatus("False")
                .withLastHeartbeatTime(heartbeat).withLastTransitionTime("2026-11-21T06:00:00Z").endCondition()
                .withNewNodeInfo().withKubeletVersion("v1.33.1").endNodeInfo()
                .endStatus()
                .build();
    }
}
