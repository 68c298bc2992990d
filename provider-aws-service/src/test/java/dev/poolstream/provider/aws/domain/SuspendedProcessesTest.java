package dev.poolstream.provider.aws.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.SuspendProcesses;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.suspendprocesses.Processes;
import java.util.List;
import org.junit.jupiter.api.Test;

class SuspendedProcessesTest {

    private static final List<String> EVERY = List.of("AZRebalance", "AddToLoadBalancer", "AlarmNotification",
            "HealthCheck", "InstanceRefresh", "Launch", "ReplaceUnhealthy", "ScheduledActions", "Terminate");

    @Test
    void shouldSuspendZoneRebalancingOfAPoolThatSaysNothing() {
        assertThat(SuspendedProcesses.of(new AWSMachinePoolSpec())).containsExactly("AZRebalance");
        assertThat(SuspendedProcesses.of(null)).containsExactly("AZRebalance");
        assertThat(SuspendedProcesses.of(spec(null, new Processes()))).containsExactly("AZRebalance");
    }

    @Test
    void shouldSuspendEachProcessSetTrueBesideZoneRebalancing() {
        Processes processes = new Processes();
        processes.setHealthCheck(true);
        processes.setReplaceUnhealthy(true);
        processes.setLaunch(false);

        assertThat(SuspendedProcesses.of(spec(null, processes)))
                .containsExactly("AZRebalance", "HealthCheck", "ReplaceUnhealthy");
    }

    @Test
    void shouldLetZoneRebalancingRunWhenThePoolSetsItFalse() {
        Processes processes = new Processes();
        processes.setAzRebalance(false);

        assertThat(SuspendedProcesses.of(spec(null, processes))).isEmpty();
        assertThat(SuspendedProcesses.of(spec(true, processes))).doesNotContain("AZRebalance").hasSize(8);
    }

    @Test
    void shouldSuspendEveryProcessNotSetFalseWithAll() {
        assertThat(SuspendedProcesses.of(spec(true, null))).isEqualTo(EVERY);

        Processes processes = new Processes();
        processes.setLaunch(false);
        processes.setTerminate(true);
        assertThat(SuspendedProcesses.of(spec(true, processes))).doesNotContain("Launch").hasSize(8);
        assertThat(SuspendedProcesses.of(spec(false, processes))).containsExactly("AZRebalance", "Terminate");
    }

    @Test
    void shouldNameEachProcessAsAutoScalingDoes() {
        Processes processes = new Processes();
        processes.setAddToLoadBalancer(true);
        processes.setAlarmNotification(true);
        processes.setInstanceRefresh(true);
        processes.setScheduledActions(true);
        processes.setLaunch(true);
        processes.setTerminate(true);
        processes.setHealthCheck(true);
        processes.setReplaceUnhealthy(true);

        assertThat(SuspendedProcesses.of(spec(null, processes))).isEqualTo(EVERY);
    }

    private static AWSMachinePoolSpec spec(Boolean all, Processes processes) {
        SuspendProcesses suspend = new SuspendProcesses();
        suspend.setAll(all);
        suspend.setProcesses(processes);
        AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
        spec.setSuspendProcesses(suspend);
        return spec;
    }
}
