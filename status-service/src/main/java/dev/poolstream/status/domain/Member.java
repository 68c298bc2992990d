package dev.poolstream.status.domain;

import dev.poolstream.events.InstanceState;
import dev.poolstream.events.NodeState;

/**
 * A cloud instance joined with the Node of the same provider ID: the exact string, never a suffix, so two Azure
 * pools whose IDs end in the same instance number stay apart. Or a Node whose instance is gone but that still
 * carries the pool's owner annotations ({@link Membership#ownerPool}): not a member any more, but the sign that the
 * Node it left behind is still there (a retired Node leaves the list once it is gone).
 *
 * @param instance null once the instance is gone (its tombstone) while its Node is still there
 * @param node     null until a Node with the instance's provider ID exists
 */
public record Member(InstanceState instance, NodeState node) {

    public Member {
        if (instance == null && node == null) {
            throw new IllegalArgumentException("a member needs an instance or a Node");
        }
    }

    public String providerID() {
        return instance != null ? instance.providerID() : node.providerID();
    }

    /** The instance's pool; for a Node left behind, the pool its owner annotations name (null when none). */
    public String pool() {
        return instance != null ? instance.pool() : Membership.ownerPool(node);
    }

    /** Only a Node is left: the instance is gone. */
    public boolean instanceGone() {
        return instance == null;
    }
}
