package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FailoverTest {

    @Test
    void shouldTellTheReplicasMembersByTheirInstanceIdsWhenMembershipIsStatic() {
        assertThat(Failover.ownerOf(Optional.of("reconciler-service-2-pools"), "m1", "reconciler-service",
                "reconciler-service-2", Set.of("m1"))).isTrue();
        assertThat(Failover.ownerOf(Optional.of("reconciler-service-pools"), "m2", "reconciler-service",
                "reconciler-service-2", Set.of())).isFalse();
        assertThat(Failover.ownerOf(Optional.of("status-service-2-streams-1"), "m3", "status-service",
                "status-service-2", Set.of())).isTrue();
    }

    @Test
    void shouldTellThemByWhoWasAMemberBeforeWhenMembershipIsDynamic() {
        assertThat(Failover.ownerOf(Optional.empty(), "old", "reconciler-service", "reconciler-service-2",
                Set.of("old"))).isFalse();
        assertThat(Failover.ownerOf(Optional.empty(), "new", "reconciler-service", "reconciler-service-2",
                Set.of("old"))).isTrue();
        assertThat(Failover.ownerOf(Optional.of("something-else"), "new", "", "reconciler-service-2",
                Set.of("old"))).isTrue();
    }

    @Test
    void shouldPutAPoolOnThePartitionKafkasDefaultPartitionerGivesItsKey() {
        int p = Failover.partition("default/failover-reconciler", 12);

        assertThat(p).isBetween(0, 11).isEqualTo(Failover.partition("default/failover-reconciler", 12));
        assertThat(Failover.pool("status-service")).isEqualTo("failover-status");
        assertThat(Failover.replicaName("reconciler-service")).isEqualTo("reconciler-service-2");
    }
}
