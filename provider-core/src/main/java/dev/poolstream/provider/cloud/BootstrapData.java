package dev.poolstream.provider.cloud;

import dev.poolstream.events.SecretRef;
import dev.poolstream.provider.domain.BootstrapSecretScope;

/** Reads a pool's bootstrap data (the user data of its instances) when a command needs it. Never log what it returns. */
public interface BootstrapData {

    /**
     * The data under the Secret's {@code value} key.
     *
     * @throws dev.poolstream.provider.cloud.RetryableCommandException when the Secret or its key is not there (yet)
     */
    byte[] read(SecretRef secret);

    /**
     * The data, for a command of {@code pool}: a Secret outside the pool's namespace is refused without being read
     * ({@link BootstrapSecretScope}). Cloud adapters read through this.
     *
     * @throws CommandRefusedException when the Secret is outside the pool's namespace
     */
    default byte[] read(String pool, SecretRef secret) {
        BootstrapSecretScope.check(pool, secret).ifPresent(failure -> {
            throw new CommandRefusedException(failure);
        });
        return read(secret);
    }
}
