package dev.poolstream.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.sandbox.cloud.BootDelays;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SandboxOptionsTest {

    @Test
    void shouldRunTheScaleUpBenchmarkByDefault() {
        SandboxOptions options = SandboxOptions.parse();

        assertThat(options.scenario()).isEqualTo(SandboxOptions.Scenario.SCALE_UP);
        assertThat(options.replicas()).isEqualTo(5);
        assertThat(options.scaleTo()).isEqualTo(20);
        assertThat(options.pools()).isEqualTo(1);
    }

    @Test
    void shouldDefaultTheOtherScenariosSensibly() {
        assertThat(SandboxOptions.parse("--scenario=scale-down").scaleTo()).isEqualTo(5);
        assertThat(SandboxOptions.parse("--scenario=scale-down").replicas()).isEqualTo(20);
        assertThat(SandboxOptions.parse("--scenario=rollout").scaleTo()).isEqualTo(5);
        assertThat(SandboxOptions.parse("--scenario=rollout", "--replicas=8").scaleTo()).isEqualTo(8);
    }

    @Test
    void shouldEndTheMachineScenariosOneBelowOrAtTheirReplicas() {
        SandboxOptions autoscaler = SandboxOptions.parse("--scenario=autoscaler");
        assertThat(autoscaler.scenario()).isEqualTo(SandboxOptions.Scenario.AUTOSCALER);
        assertThat(autoscaler.replicas()).isEqualTo(5);
        assertThat(autoscaler.scaleTo()).isEqualTo(4);
        SandboxOptions remediate = SandboxOptions.parse("--scenario=remediate", "--replicas=1");
        assertThat(remediate.replicas()).as("a third instance to pick").isEqualTo(3);
        assertThat(remediate.scaleTo()).isEqualTo(3);
    }

    @Test
    void shouldRefuseWhatItDoesNotKnowWithTheUsage() {
        assertThatThrownBy(() -> SandboxOptions.parse("--replicas=many")).hasMessageContaining("--replicas");
        assertThatThrownBy(() -> SandboxOptions.parse("--warp=9")).hasMessageContaining("usage:");
        assertThatThrownBy(() -> SandboxOptions.parse("--scenario=explode")).hasMessageContaining("scale-up");
        assertThatThrownBy(() -> SandboxOptions.parse("--fail-rate=2")).hasMessageContaining("out of range");
    }

    @Test
    void shouldDrawBootDelaysWithinTheirRangeAndRepeatablyForASeed() {
        BootDelays one = BootDelays.parse("500ms..1.5s", 7);
        BootDelays two = BootDelays.parse("500ms..1.5s", 7);

        for (int i = 0; i < 100; i++) {
            Duration delay = one.next();
            assertThat(delay).isBetween(Duration.ofMillis(500), Duration.ofMillis(1500));
            assertThat(two.next()).isEqualTo(delay);
        }
        assertThat(BootDelays.parse("3s", 1).next()).isEqualTo(Duration.ofSeconds(3));
        assertThatThrownBy(() -> BootDelays.parse("2s..1s", 1)).hasMessageContaining("ends before it starts");
        assertThatThrownBy(() -> BootDelays.parse("soon", 1)).hasMessageContaining("'soon'");
    }
}
