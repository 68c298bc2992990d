package dev.poolstream.api.kube;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;

/**
 * The item store of a management-cluster informer ({@code SharedIndexInformer.itemStore}): it keeps each object
 * without {@code metadata.managedFields}, the API server's record of which writer set which field. That is about half
 * of a Machine's or AWSMachine's JSON, more of its heap as nested maps, and nothing Poolstream reads. The object is
 * changed in place, so event handlers receive it without them too.
 *
 * <p>The only writes sent from cached objects are {@code /status} updates, for which the API server takes nothing of
 * the metadata, {@code managedFields} included: the server's own stay as they are (checked on kube-apiserver 1.34: a
 * status update that sent a list of its own left them unchanged).
 */
public final class WithoutManagedFields<T extends HasMetadata> extends BasicItemStore<T> {

    public WithoutManagedFields() {
        super(Cache::metaNamespaceKeyFunc);
    }

    @Override
    public T put(String key, T object) {
        return super.put(key, strip(object));
    }

    /**
     * The object without its {@code managedFields}, changed in place: for any copy kept beyond one request (an
     * informer's, a writer's last written version), and safe as the base of a {@code /status} update or a merge
     * patch, which leave the server's own as they are.
     */
    public static <O extends HasMetadata> O strip(O object) {
        if (object != null && object.getMetadata() != null) {
            object.getMetadata().setManagedFields(null);
        }
        return object;
    }
}
