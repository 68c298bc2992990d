package dev.poolstream.watcher.kube;

import dev.poolstream.api.ClusterApi;
import io.fabric8.kubernetes.api.model.PartialObjectMetadata;
import io.fabric8.kubernetes.api.model.PartialObjectMetadataList;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Informable;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpClient;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;
import io.fabric8.kubernetes.client.impl.BaseClient;
import io.fabric8.kubernetes.client.impl.KubernetesClientImpl;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Secrets as metadata only: the list and watch of the Secrets labelled {@code cluster.x-k8s.io/cluster-name}, asked
 * for as {@code PartialObjectMetadata}, so that the API server sends names, labels and resourceVersions, never a
 * Secret's data. fabric8 7.8 can list as metadata but not watch as metadata, so this is fabric8's own informer on a
 * client of its own (the management client's HTTP client and credentials) whose every request asks for metadata
 * only (the list's GET, and the watch's, a WebSocket upgrade or a plain GET), with no fallback: a server that could
 * not answer so would refuse (406), not send the Secrets.
 *
 * <p>That client shares the management client's connections, credentials and executor, and so is never closed on
 * its own (closing it would close them): its informers are stopped, and the management client's owner closes the
 * rest.
 */
final class SecretMetadata {

    /** What a list asks for; no {@code application/json} fallback, which would be the whole Secrets. */
    static final String LIST_AS = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";
    /** What a watch asks for: each event's object as metadata. */
    static final String WATCH_AS = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";

    private static final ResourceDefinitionContext SECRETS = new ResourceDefinitionContext.Builder()
            .withGroup("").withVersion("v1").withPlural("secrets").withKind("Secret").withNamespaced(true).build();

    private final KubernetesClient client;
    private final MixedOperation<PartialObjectMetadata, MetadataList, Resource<PartialObjectMetadata>> secrets;

    SecretMetadata(KubernetesClient management) {
        HttpClient http = management.getHttpClient().newBuilder()
                .addOrReplaceInterceptor("poolstream-metadata-only", new MetadataOnly()).build();
        BaseClient base = management.adapt(BaseClient.class);
        client = new KubernetesClientImpl(http, management.getConfiguration(), base::getExecutor,
                base.getKubernetesSerialization());
        secrets = client.adapt(BaseClient.class)
                .newHasMetadataOperation(SECRETS, PartialObjectMetadata.class, MetadataList.class);
    }

    /** The labelled Secrets of one namespace, or of all when {@code namespace} is null, as metadata. */
    Informable<PartialObjectMetadata> labelled(String namespace) {
        return (namespace == null ? secrets.inAnyNamespace() : secrets.inNamespace(namespace))
                .withLabel(ClusterApi.CLUSTER_NAME_LABEL);
    }

    /** The Accept header of a request of this client: a watch's events, or a list, as metadata. */
    static String accept(URI uri) {
        String query = uri.getRawQuery();
        boolean watch = query != null && ("&" + query + "&").contains("&watch=true&");
        return watch ? WATCH_AS : LIST_AS;
    }

    /**
     * The API server leaves {@code items} out of an empty metadata list, and fabric8's informer reads a missing list
     * as a failure: here it is empty.
     */
    public static final class MetadataList extends PartialObjectMetadataList {
        @Override
        public List<PartialObjectMetadata> getItems() {
            if (super.getItems() == null) {
                setItems(new ArrayList<>());
            }
            return super.getItems();
        }
    }

    private static final class MetadataOnly implements Interceptor {
        @Override
        public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
            builder.setHeader("Accept", accept(request.uri()));
        }
    }
}
