package dev.poolstream.status.domain;

import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;

/**
 * A cloud instance joined with the Node of the same provider ID: the exact string, never a suffix, so two Azure
 * pools whose IDs end in the same instance number stay apart.
 *
 * @param node null until a Node with the instance's provider ID exists
 */
public record Member(InstanceState instance, NodeState node) {

    public String providerID() {
        return instance.providerID();
    }

    public String pool() {
        return instance.pool();
    }
}
