package dev.poolstream.provider.aws.domain;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.SuspendProcesses;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.suspendprocesses.Processes;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The Auto Scaling processes suspended on a pool's group: those the AWSMachinePool's {@code suspendProcesses} names,
 * as CAPA reads it (each process set true; with {@code all}, every process not set false; the rest resumed), and
 * {@code AZRebalance} unless the pool sets it false.
 *
 * <p>Beyond CAPA: zone rebalancing ends instances of Auto Scaling's choosing, undrained, to even out the zones (after
 * a scale-down that took instances from one zone, a change of subnets, a zone that came back). Scale-in protection is
 * not documented to stop it. Poolstream ends instances only through drains, so it suspends rebalancing; scale-ups
 * still launch into the zones with the fewest instances.
 */
public final class SuspendedProcesses {

    public static final String AZ_REBALANCE = "AZRebalance";
    public static final String LAUNCH = "Launch";

    /** Auto Scaling's process names, with how CAPA's {@code processes} spells each. */
    private static final Map<String, Function<Processes, Boolean>> PROCESSES = new LinkedHashMap<>();

    static {
        PROCESSES.put(LAUNCH, Processes::getLaunch);
        PROCESSES.put("Terminate", Processes::getTerminate);
        PROCESSES.put("AddToLoadBalancer", Processes::getAddToLoadBalancer);
        PROCESSES.put("AlarmNotification", Processes::getAlarmNotification);
        PROCESSES.put(AZ_REBALANCE, Processes::getAzRebalance);
        PROCESSES.put("HealthCheck", Processes::getHealthCheck);
        PROCESSES.put("InstanceRefresh", Processes::getInstanceRefresh);
        PROCESSES.put("ReplaceUnhealthy", Processes::getReplaceUnhealthy);
        PROCESSES.put("ScheduledActions", Processes::getScheduledActions);
    }

    /** The processes to keep suspended on the pool's group, in Auto Scaling's names, sorted. */
    public static List<String> of(AWSMachinePoolSpec spec) {
        SuspendProcesses suspend = spec == null ? null : spec.getSuspendProcesses();
        boolean all = suspend != null && Boolean.TRUE.equals(suspend.getAll());
        Processes processes = suspend == null || suspend.getProcesses() == null ? new Processes()
                : suspend.getProcesses();
        return PROCESSES.entrySet().stream().filter(p -> {
            Boolean set = p.getValue().apply(processes);
            if (set != null) {
                return set;
            }
            return all || p.getKey().equals(AZ_REBALANCE);
        }).map(Map.Entry::getKey).sorted().toList();
    }

    private SuspendedProcesses() {
    }
}
