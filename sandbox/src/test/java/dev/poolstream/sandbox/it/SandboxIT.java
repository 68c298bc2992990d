package dev.poolstream.sandbox.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.sandbox.Sandbox;
import dev.poolstream.sandbox.SandboxOptions;
import dev.poolstream.sandbox.scenario.Report;
import dev.poolstream.sandbox.scenario.ScenarioRun;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's sandbox scenarios end to end, with boot times compressed: one pool reaches Running with 5 replicas,
 * scales to 20, and its MachinePool status in the API server says so.
 */
class SandboxIT {

    @Test
    void shouldScaleAPoolFromFiveToTwentyAndReportItRunning(@TempDir Path out) throws Exception {
        SandboxOptions options = SandboxOptions.parse("--boot-delay=200ms..600ms", "--out=" + out);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        Report report;
        try (Sandbox sandbox = new Sandbox(options)) {
            report = new ScenarioRun(sandbox, options, new PrintStream(printed, true, StandardCharsets.UTF_8)).run();
        }

        assertThat(report.outcomes()).singleElement().satisfies(pool -> {
            assertThat(pool.replicas()).isEqualTo(20);
            assertThat(pool.readyReplicas()).isEqualTo(20);
            assertThat(pool.availableReplicas()).isEqualTo(20);
            assertThat(pool.upToDateReplicas()).isEqualTo(20);
            assertThat(pool.nodeRefs()).isEqualTo(20);
            assertThat(pool.phase()).isEqualTo("Running");
            assertThat(pool.trueConditions()).contains("Available", "MachinesReady", "MachinesUpToDate",
                    "InfrastructureReady").doesNotContain("ScalingUp", "ScalingDown", "RollingOut", "Deleting");
        });
        assertThat(report.nodeReady()).hasSize(15);
        assertThat(report.simulatedBoots()).hasSize(15).allMatch(boot -> boot >= 0.2 && boot <= 0.6);
        assertThat(report.firstReady()).isPositive().isLessThanOrEqualTo(report.allReady());
        assertThat(report.minReadyDuring()).isEqualTo(5);
        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("first new Node Ready", "pipeline overhead");
        assertThat(Files.size(out.resolve("results.json"))).isPositive();
        assertThat(Files.readAllBytes(out.resolve("node-ready.png"))).startsWith(0x89, 'P', 'N', 'G');
    }

    /**
     * The remediate scenario on the in-process API servers, as a user runs it: it writes a Machine's conditions
     * several times, which the mock server once made double at each write until the scenario stalled.
     */
    @Test
    void shouldReplaceTheUnhealthyNodesInstanceOnTheInProcessApiServers(@TempDir Path out) throws Exception {
        SandboxOptions options = SandboxOptions.parse("--scenario=remediate", "--boot-delay=200ms..600ms",
                "--out=" + out);
        ByteArrayOutputStream printed = new ByteArrayOutputStream();

        Report report;
        try (Sandbox sandbox = new Sandbox(options)) {
            report = new ScenarioRun(sandbox, options, new PrintStream(printed, true, StandardCharsets.UTF_8)).run();
        }

        assertThat(printed.toString(StandardCharsets.UTF_8)).contains("expected instance removed: yes");
        assertThat(report.outcomes()).singleElement().satisfies(pool -> {
            assertThat(pool.readyReplicas()).isEqualTo(5);
            assertThat(pool.phase()).isEqualTo("Running");
        });
    }
}
