package dev.poolstream.provider.cloud;

import dev.poolstream.events.SecretRef;

/** Reads a pool's bootstrap data (the user data of its instances) when a command needs it. Never log what it returns. */
public interface BootstrapData {

    /**
     * The data under the Secret's {@code value} key.
     *
     * @throws dev.poolstream.provider.cloud.RetryableCommandException when the Secret or its key is not there (yet)
     */
    byte[] read(SecretRef secret);
}
