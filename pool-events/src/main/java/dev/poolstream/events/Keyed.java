package dev.poolstream.events;

/**
 * A topic value that knows its record key, so that producers cannot key a value differently from the contract:
 * the pool key for pool-scoped topics, the provider ID for nodes and instances.
 */
public interface Keyed {

    /** The Kafka record key; also the CloudEvents {@code subject}. */
    String key();
}
