package dev.poolstream.provider.kube;

import dev.poolstream.events.SecretRef;
import dev.poolstream.provider.cloud.BootstrapData;
import dev.poolstream.provider.cloud.RetryableCommandException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Reads the bootstrap data Secret (key {@code value}, as Cluster API's bootstrap providers write it) from the
 * management cluster, each time a command needs it. The data is returned to the caller only: never logged, never
 * published.
 */
public class SecretBootstrapData implements BootstrapData {

    public static final String KEY = "value";

    private final KubernetesClient client;

    public SecretBootstrapData(KubernetesClient client) {
        this.client = client;
    }

    @Override
    public byte[] read(SecretRef ref) {
        if (ref == null || ref.name() == null || ref.namespace() == null) {
            throw new RetryableCommandException("BootstrapDataSecretNotSet",
                    "the template names no bootstrap data Secret yet", null);
        }
        Secret secret;
        try {
            secret = client.secrets().inNamespace(ref.namespace()).withName(ref.name()).get();
        } catch (KubernetesClientException e) {
            throw new RetryableCommandException("BootstrapDataSecretUnreadable", "reading Secret " + ref.namespace()
                    + "/" + ref.name() + " failed with HTTP " + e.getCode(), e);
        }
        if (secret == null) {
            throw new RetryableCommandException("BootstrapDataSecretNotFound", "Secret " + ref.namespace() + "/"
                    + ref.name() + " does not exist (yet)", null);
        }
        if (secret.getData() != null && secret.getData().get(KEY) != null) {
            return Base64.getDecoder().decode(secret.getData().get(KEY));
        }
        if (secret.getStringData() != null && secret.getStringData().get(KEY) != null) {
            return secret.getStringData().get(KEY).getBytes(StandardCharsets.UTF_8);
        }
        throw new RetryableCommandException("BootstrapDataSecretIncomplete", "Secret " + ref.namespace() + "/"
                + ref.name() + " has no key '" + KEY + "'", null);
    }
}
