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
    void shouldGiveEachKillScenarioAPoolOfItsOwn() {
        assertThat(E2eMain.poolFor("kill-provider-aws-service")).isEqualTo("kill-provider-aws");
        assertThat(E2eMain.poolFor("kill-broker")).isEqualTo("kill-broker");
        assertThat(E2eMain.poolFor("scale-down")).isEqualTo("workers");
    }
}
