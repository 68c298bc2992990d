package dev.poolstream.api.kube;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.Machine;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WithoutManagedFieldsTest {

    @Test
    void shouldKeepAnObjectWithoutItsManagedFieldsUnderItsNamespaceAndName() {
        Machine machine = new Machine();
        machine.setMetadata(new ObjectMetaBuilder().withNamespace("fleet").withName("pool-a-i-1")
                .withResourceVersion("7").withLabels(Map.of("cluster.x-k8s.io/pool-name", "pool-a"))
                .withManagedFields(List.of(new ManagedFieldsEntryBuilder().withManager("capi").withOperation("Update")
                        .build()))
                .build());
        WithoutManagedFields<Machine> store = new WithoutManagedFields<>();

        store.put("fleet/pool-a-i-1", machine);

        Machine kept = store.get("fleet/pool-a-i-1");
        assertThat(kept.getMetadata().getManagedFields()).isNull();
        assertThat(kept.getMetadata().getResourceVersion()).isEqualTo("7");
        assertThat(kept.getMetadata().getLabels()).containsEntry("cluster.x-k8s.io/pool-name", "pool-a");
        assertThat(store.getKey(kept)).isEqualTo("fleet/pool-a-i-1");
    }

    @Test
    void shouldStripAWrittenObjectInPlaceAndTakeNull() {
        Machine machine = new Machine();
        machine.setMetadata(new ObjectMetaBuilder().withName("pool-a-i-1").withManagedFields(List.of(
                new ManagedFieldsEntryBuilder().withManager("poolstream-status").withOperation("Update").build()))
                .build());

        assertThat(WithoutManagedFields.strip(machine)).isSameAs(machine);
        assertThat(machine.getMetadata().getManagedFields()).isNull();
        assertThat(WithoutManagedFields.<Machine>strip(null)).isNull();
    }

    @Test
    void shouldTakeAnObjectWithoutMetadata() {
        WithoutManagedFields<Machine> store = new WithoutManagedFields<>();

        store.put("k", new Machine());

        assertThat(store.get("k")).isNotNull();
    }
}
