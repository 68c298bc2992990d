package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class E2eOptionsTest {

    @Test
    void shouldRunEveryScenarioByDefaultAndScaleUpWithTheStatusKillForSmoke() {
        assertThat(E2eOptions.parse().scenarios()).isEqualTo(E2eOptions.ALL);
        assertThat(E2eOptions.parse("--smoke").scenarios()).containsExactly("scale-up", "kill-status-service");
    }

    @Test
    void shouldAcceptShortServiceNamesInScenariosAndSettings() {
        E2eOptions o = E2eOptions.parse("--scenarios=kill-status,kill-broker,scale-up", "--timeout=90s",
                "--kill-after=1500ms", "--set=reconciler:a.b=c", "--set=all:x=y");

        assertThat(o.scenarios()).containsExactly("kill-status-service", "kill-broker", "scale-up");
        assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(o.killAfter()).isEqualTo(Duration.ofMillis(1500));
        assertThat(o.serviceArgs().get("reconciler-service")).isEqualTo(List.of("--a.b=c", "--x=y"));
        assertThat(o.serviceArgs().get("watcher-service")).isEqualTo(List.of("--x=y"));
    }

    @Test
    void shouldRefuseUnknownScenariosServicesAndOptions() {
        assertThatThrownBy(() -> E2eOptions.parse("--scenarios=kill-etcd")).hasMessageContaining("unknown service");
        assertThatThrownBy(() -> E2eOptions.parse("--scenarios=rollout")).hasMessageContaining("unknown scenario");
        assertThatThrownBy(() -> E2eOptions.parse("--fast")).hasMessageContaining("unknown option");
        assertThatThrownBy(() -> E2eOptions.parse("--smoke", "--scenarios=scale-up"))
                .hasMessageContaining("exclude");
    }

    @Test
    void shouldGiveEachKillScenarioAPoolOfItsOwnSharedWithItsScaleDownFlavour() {
        assertThat(E2eMain.poolsFor("kill-provider-aws-service")).containsExactly("kill-provider-aws");
        assertThat(E2eMain.poolsFor("kill-provider-aws-service-down")).containsExactly("kill-provider-aws");
        assertThat(E2eMain.poolsFor("kill-broker")).containsExactly("kill-broker");
        assertThat(E2eMain.poolsFor("kill-broker-down")).containsExactly("kill-broker");
        assertThat(E2eMain.poolsFor("scale-down")).containsExactly("workers");
    }

    @Test
    void shouldGiveTheNewScenariosTheirPools() {
        assertThat(E2eMain.poolsFor("two-pools")).containsExactly("twin-a", "twin-b");
        assertThat(E2eMain.poolsFor("delete-pool")).containsExactly("doomed");
        assertThat(E2eMain.poolsFor("failover-reconciler-service")).containsExactly("failover-reconciler");
        assertThat(E2eMain.poolsFor("failover-status-service")).containsExactly("failover-status");
        assertThat(E2eMain.poolsFor("poison-records")).containsExactly("healthy", "poison");
        for (String bad : List.of("bad-infrastructure-pool", "bad-bootstrap-secret", "bad-kubeconfig")) {
            assertThat(E2eMain.poolsFor(bad)).containsExactly("healthy");
        }
    }

    @Test
    void shouldAcceptShortNamesForTheScaleDownKillsAndTheFailovers() {
        E2eOptions o = E2eOptions.parse("--scenarios=kill-status-down,kill-broker-down,failover-reconciler,"
                + "failover-status-service,two-pools,delete-pool,poison-records,bad-kubeconfig", "--delete-replicas=10");

        assertThat(o.scenarios()).containsExactly("kill-status-service-down", "kill-broker-down",
                "failover-reconciler-service", "failover-status-service", "two-pools", "delete-pool",
                "poison-records", "bad-kubeconfig");
        assertThat(o.deleteReplicas()).isEqualTo(10);
        assertThat(E2eOptions.parse().deleteReplicas()).isEqualTo(20);
        assertThat(E2eOptions.killTarget("kill-status-service-down")).isEqualTo("status-service");
        assertThat(E2eOptions.killTarget("kill-broker")).isEqualTo("broker");
        assertThat(E2eOptions.killDown("kill-broker-down")).isTrue();
        assertThat(E2eOptions.killDown("kill-broker")).isFalse();
    }

    @Test
    void shouldRunEveryKillMidScaleUpThenMidScaleDownAndTheBadKubeconfigLast() {
        List<String> all = E2eOptions.ALL;
        for (String target : List.of("watcher-service", "reconciler-service", "status-service",
                "provider-aws-service", "broker")) {
            assertThat(all.indexOf("kill-" + target + "-down")).isEqualTo(all.indexOf("kill-" + target) + 1);
        }
        assertThat(all.get(all.size() - 1)).isEqualTo("bad-kubeconfig");
        assertThat(all).contains("two-pools", "delete-pool", "failover-reconciler-service", "failover-status-service",
                "bad-infrastructure-pool", "bad-bootstrap-secret", "poison-records");
        assertThat(all.indexOf("scale-down")).isLessThan(all.indexOf("kill-watcher-service-down"));
    }

    @Test
    void shouldRefuseAFailoverOfAServiceWithoutOneAndABadDeleteSize() {
        assertThatThrownBy(() -> E2eOptions.parse("--scenarios=failover-watcher"))
                .hasMessageContaining("unknown scenario");
        assertThatThrownBy(() -> E2eOptions.parse("--scenarios=kill-etcd-down"))
                .hasMessageContaining("unknown service");
        assertThatThrownBy(() -> E2eOptions.parse("--delete-replicas=0")).hasMessageContaining("1..100");
        assertThatThrownBy(() -> E2eOptions.parse("--scenarios=kill-status-down,kill-status-service-down"))
                .hasMessageContaining("named twice");
    }
}
