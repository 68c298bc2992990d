package dev.poolstream.watcher.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class SecretMetadataTest {

    private static final String SECRETS = "https://api:6443/api/v1/namespaces/team-a/secrets";

    @Test
    void shouldAskForEachWatchEventAsMetadata() {
        assertThat(SecretMetadata.accept(URI.create(SECRETS + "?watch=true")))
                .isEqualTo("application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1");
        assertThat(SecretMetadata.accept(URI.create(SECRETS + "?allowWatchBookmarks=true&labelSelector="
                + "cluster.x-k8s.io%2Fcluster-name&resourceVersion=240&timeoutSeconds=600&watch=true")))
                .isEqualTo(SecretMetadata.WATCH_AS);
    }

    @Test
    void shouldAskForAListAsAMetadataListWithNoFallbackToWholeSecrets() {
        assertThat(SecretMetadata.accept(URI.create(SECRETS + "?labelSelector=cluster.x-k8s.io%2Fcluster-name"
                + "&resourceVersion=0"))).isEqualTo("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1");
        assertThat(SecretMetadata.accept(URI.create(SECRETS))).isEqualTo(SecretMetadata.LIST_AS);
        assertThat(SecretMetadata.accept(URI.create(SECRETS + "?watch=false"))).isEqualTo(SecretMetadata.LIST_AS);
        // A label value that reads like the parameter is not a watch.
        assertThat(SecretMetadata.accept(URI.create(SECRETS + "?labelSelector=x%26watch%3Dtrue")))
                .isEqualTo(SecretMetadata.LIST_AS);
        assertThat(SecretMetadata.LIST_AS).doesNotContain(",");
        assertThat(SecretMetadata.WATCH_AS).doesNotContain(",");
    }
}
