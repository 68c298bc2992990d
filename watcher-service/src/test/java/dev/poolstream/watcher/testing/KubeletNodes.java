package dev.poolstream.watcher.testing;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Quantity;

/** Nodes as a kubelet fills them: far more status than a {@code node.v1} record reads. */
public final class KubeletNodes {

    /** The node with an address, capacity, OS and runtime, and 40 container images added to its status. */
    public static Node filled(Node node) {
        var status = new NodeBuilder(node).editStatus()
                .addNewAddress().withType("InternalIP").withAddress("10.0.0.1").endAddress()
                .addToCapacity("cpu", new Quantity("4")).addToAllocatable("cpu", new Quantity("3920m"))
                .editOrNewNodeInfo().withOsImage("Ubuntu 24.04").withContainerRuntimeVersion("containerd://2.0.0")
                .endNodeInfo();
        for (int i = 0; i < 40; i++) {
            status.addNewImage().withNames("registry.example.com/team/image-" + i + "@sha256:0123456789abcdef")
                    .withSizeBytes(100_000_000L).endImage();
        }
        return status.endStatus().build();
    }

    private KubeletNodes() {
    }
}
