package dev.poolstream.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.events.command.Capacity;
import dev.poolstream.events.command.SetCapacity;
import dev.poolstream.events.command.TerminateInstances;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeysTest {

    @Test
    void shouldKeyANodeByProviderIdOrByClusterAndNameUntilItHasOne() {
        NodeState node = Fixtures.node();
        NodeState unregistered = new NodeState("team-a/demo", "ip-10-0-0-9", "u9", null, null, null, "v1.33.1",
                false, null, null);

        assertThat(node.key()).isEqualTo(Fixtures.AWS_ID);
        assertThat(unregistered.key()).isEqualTo("cluster/team-a/demo/node/ip-10-0-0-9");
        assertThat(unregistered.ready()).isEqualTo(ConditionStatus.UNKNOWN);
    }

    @Test
    void shouldKeyPoolValuesByPoolKey() {
        assertThat(Fixtures.awsPoolSpec().key()).isEqualTo("team-a/workers");
        assertThat(Fixtures.awsPoolSpec().poolKey().name()).isEqualTo("workers");
        assertThat(SetCapacity.of(Fixtures.POOL, 1, "workers", new Capacity(1, 1, 1, false)).key())
                .isEqualTo(Fixtures.POOL);
    }

    @Test
    void shouldDeriveTheSameCommandIdForTheSameDecision() {
        Capacity twenty = new Capacity(20, 1, 30, false);

        assertThat(SetCapacity.of(Fixtures.POOL, 4, "workers", twenty).id())
                .isEqualTo(SetCapacity.of(Fixtures.POOL, 4, "workers", twenty).id())
                .isNotEqualTo(SetCapacity.of(Fixtures.POOL, 4, "workers", new Capacity(21, 1, 30, false)).id())
                .isNotEqualTo(SetCapacity.of(Fixtures.POOL, 5, "workers", twenty).id());
        assertThat(TerminateInstances.of(Fixtures.POOL, 4, "workers", List.of("b", "a")).id())
                .isEqualTo(TerminateInstances.of(Fixtures.POOL, 4, "workers", List.of("a", "b")).id());
    }

    @Test
    void shouldRefuseAnInfrastructurePoolThatIsBothResolvedAndNot() {
        assertThatThrownBy(() -> new InfrastructurePool("g", "AWSMachinePool", "w", null, 0, null, null,
                new InfraSpec.Aws(null), new Failure("X", "y")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("exactly one of spec and error");
        assertThat(Fixtures.danglingPoolSpec().infrastructure().resolved()).isFalse();
    }

    @Test
    void shouldRefuseAnInstanceWithoutProviderId() {
        assertThatThrownBy(() -> new InstanceState("", Fixtures.POOL, Cloud.AWS, "i-1", "us-east-1a",
                InstanceLifecycle.PENDING, "Pending", "1", true, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("i-1");
    }

    @Test
    void shouldReadDesiredReplicasAsClusterApiDoes() {
        assertThat(Fixtures.awsPoolSpec().desiredReplicas()).isEqualTo(5);
        assertThat(Fixtures.awsPoolSpec().replicasManagedExternally()).isFalse();
    }
}
