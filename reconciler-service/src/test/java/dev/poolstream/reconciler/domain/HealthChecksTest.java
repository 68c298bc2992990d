package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.T0;
import static dev.poolstream.reconciler.domain.Pools.id;
import static dev.poolstream.reconciler.domain.Pools.machine;
import static dev.poolstream.reconciler.domain.Pools.members;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.ConditionStatus;
import dev.poolstream.events.HealthCheck;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.MachineRequest;
import dev.poolstream.events.PoolMember;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HealthChecksTest {

    private static HealthCheck check(String maxUnhealthy, int startup, HealthCheck.UnhealthyNodeCondition... when) {
        return new HealthCheck("team-a/mhc", startup, List.of(when), maxUnhealthy);
    }

    private static HealthCheck.UnhealthyNodeCondition ready(ConditionStatus status, int timeout) {
        return new HealthCheck.UnhealthyNodeCondition("Ready", status, timeout);
    }

    private static PoolMember node(int n, ConditionStatus ready, Instant since) {
        return new PoolMember(id(n), "node-" + n, "uid-" + n, InstanceLifecycle.RUNNING, T0.minusSeconds(3600),
                ready == ConditionStatus.TRUE, ready == ConditionStatus.TRUE, true, false, true, ready, since,
                "v1.33.1");
    }

    private static PoolMember noNode(int n, Instant launched) {
        return new PoolMember(id(n), "", null, InstanceLifecycle.RUNNING, launched, false, false, true, false, false);
    }

    /** A Node's Ready condition held at a status a check names for longer (strictly) than its timeout. */
    @ParameterizedTest(name = "Ready {0} for {1}s, check Ready {2} > {3}s -> unhealthy {4}, next at +{5}s")
    @CsvSource(nullValues = "null", textBlock = """
            FALSE,   301,  FALSE,   300, true,  null
            FALSE,   300,  FALSE,   300, false, 0
            FALSE,   200,  FALSE,   300, false, 100
            UNKNOWN, 301,  FALSE,   300, false, null
            UNKNOWN, 301,  UNKNOWN, 300, true,  null
            TRUE,    9999, FALSE,   300, false, null
            FALSE,   1,    FALSE,   0,   true,  null
            """)
    void shouldFindANodeUnhealthyOnlyPastItsConditionsTimeout(ConditionStatus status, int heldSeconds,
                                                              ConditionStatus checked, int timeout, boolean unhealthy,
                                                              Integer nextInSeconds) {
        PoolMember member = node(1, status, T0.minusSeconds(heldSeconds));

        HealthChecks.Result result = HealthChecks.evaluate(List.of(check(null, 600, ready(checked, timeout))),
                List.of(member), Map.of(), T0);

        assertThat(result.unhealthy()).hasSize(unhealthy ? 1 : 0);
        result.unhealthy().forEach(u -> {
            assertThat(u.reason()).isEqualTo(HealthChecks.REASON_UNHEALTHY_NODE);
            assertThat(u.check()).isEqualTo("team-a/mhc");
            assertThat(u.member()).isEqualTo(member);
        });
        assertThat(result.nextAt()).isEqualTo(nextInSeconds == null ? null : T0.plusSeconds(nextInSeconds));
        assertThat(result.restricted()).isEmpty();
    }

    @Test
    void shouldEvaluateOnlyTheReadyConditionAndNothingWithoutItsTransitionTime() {
        HealthCheck other = check(null, 600, new HealthCheck.UnhealthyNodeCondition("MemoryPressure",
                ConditionStatus.FALSE, 10));

        assertThat(HealthChecks.evaluate(List.of(other), List.of(node(1, ConditionStatus.FALSE,
                T0.minusSeconds(999))), Map.of(), T0).unhealthy()).isEmpty();
        assertThat(HealthChecks.evaluate(List.of(check(null, 600, ready(ConditionStatus.FALSE, 10))),
                List.of(node(1, ConditionStatus.FALSE, null)), Map.of(), T0).unhealthy()).isEmpty();
    }

    @ParameterizedTest(name = "no Node {0}s after launch, startup timeout {1}s -> unhealthy {2}, next at +{3}s")
    @CsvSource(nullValues = "null", textBlock = """
            601, 600, true,  null
            600, 600, false, 0
            100, 600, false, 500
            9999, 0,  false, null
            """)
    void shouldFindAnInstanceWithoutANodeUnhealthyPastTheStartupTimeoutUnlessItIsOff(int sinceLaunch, int startup,
                                                                                     boolean unhealthy,
                                                                                     Integer nextInSeconds) {
        HealthChecks.Result result = HealthChecks.evaluate(List.of(check(null, startup,
                ready(ConditionStatus.FALSE, 300))), List.of(noNode(1, T0.minusSeconds(sinceLaunch))), Map.of(), T0);

        assertThat(result.unhealthy()).hasSize(unhealthy ? 1 : 0);
        result.unhealthy().forEach(u -> {
            assertThat(u.reason()).isEqualTo(HealthChecks.REASON_NODE_STARTUP_TIMEOUT);
            assertThat(u.message()).contains(id(1), startup + "s");
        });
        assertThat(result.nextAt()).isEqualTo(nextInSeconds == null ? null : T0.plusSeconds(nextInSeconds));
    }

    @Test
    void shouldFindAMachineAnnotatedForRemediationUnhealthyAndSkipThoseSkippedOrDeleting() {
        List<PoolMember> all = List.of(node(1, ConditionStatus.TRUE, T0), node(2, ConditionStatus.FALSE,
                T0.minusSeconds(999)), node(3, ConditionStatus.FALSE, T0.minusSeconds(999)));
        Map<String, MachineRequest> requests = Map.of(
                id(1), new MachineRequest(id(1), machine(1), null, false, false, false, null, false, true),
                id(2), new MachineRequest(id(2), machine(2), null, false, false, false, null, true, false),
                id(3), new MachineRequest(id(3), machine(3), null, true, false, false, null, false, false));

        HealthChecks.Result result = HealthChecks.evaluate(List.of(check(null, 600,
                ready(ConditionStatus.FALSE, 300))), all, requests, T0);

        assertThat(result.unhealthy()).singleElement().satisfies(u -> {
            assertThat(u.member().providerID()).isEqualTo(id(1));
            assertThat(u.reason()).isEqualTo(HealthChecks.REASON_REMEDIATE_ANNOTATION);
        });
    }

    /** Cluster API's short-circuit: more unhealthy than {@code unhealthyLessThanOrEqualTo} allows remediates none. */
    @ParameterizedTest(name = "{0} unhealthy of 5, maxUnhealthy {1} -> remediated {2}")
    @CsvSource(nullValues = "null", textBlock = """
            2, null, true
            5, null, true
            2, 2,    true
            3, 2,    false
            2, 40%,  true
            3, 40%,  false
            2, 39%,  false
            1, 0,    false
            1, 0%,   false
            1, x,    false
            1, -1,   false
            1, ' 1 ', true
            """)
    void shouldRemediateNoneWhenMoreAreUnhealthyThanTheCheckAllows(int unhealthy, String maxUnhealthy,
                                                                   boolean remediated) {
        List<PoolMember> all = new ArrayList<>(members(5));
        for (int n = 1; n <= unhealthy; n++) {
            all.set(n - 1, node(n, ConditionStatus.FALSE, T0.minusSeconds(999)));
        }

        HealthChecks.Result result = HealthChecks.evaluate(List.of(check(maxUnhealthy, 600,
                ready(ConditionStatus.FALSE, 300))), all, Map.of(), T0);

        assertThat(result.unhealthy()).hasSize(remediated ? unhealthy : 0);
        assertThat(result.restricted().keySet()).isEqualTo(remediated ? java.util.Set.of()
                : java.util.Set.of("team-a/mhc"));
    }

    /**
     * Cluster API's short-circuit counts every target that is not healthy, not only those found unhealthy: a Machine
     * without its Node yet, one being deleted or drained, one whose unhealthy condition has not yet held for its
     * timeout. So a replacement still starting holds the next remediation back. A Machine that skips remediation is
     * no target at all.
     */
    @ParameterizedTest(name = "one unhealthy, and one {0}, maxUnhealthy {1} -> remediated {2}")
    @CsvSource(textBlock = """
            healthy,                1, true
            starting without Node,  1, false
            starting without Node,  2, true
            within its timeout,     1, false
            deleting,               1, false
            drained,                1, false
            terminating,            1, false
            skipping remediation,   1, true
            skipping remediation,   25%, false
            healthy,                25%, true
            """)
    void shouldCountEveryMemberThatIsNotHealthyAgainstTheLimit(String other, String maxUnhealthy, boolean remediated) {
        List<PoolMember> all = new ArrayList<>(members(4));
        all.set(0, node(1, ConditionStatus.FALSE, T0.minusSeconds(999)));
        Map<String, MachineRequest> requests = Map.of();
        switch (other) {
            case "starting without Node" -> all.set(1, noNode(2, T0.minusSeconds(60)));
            case "within its timeout" -> all.set(1, node(2, ConditionStatus.FALSE, T0.minusSeconds(60)));
            case "deleting" -> requests = Map.of(id(2), new MachineRequest(id(2), machine(2), null, true, false,
                    false, null, false, false));
            case "drained" -> all.set(1, drained(node(2, ConditionStatus.TRUE, T0.minusSeconds(999))));
            case "terminating" -> all.set(1, new PoolMember(id(2), "node-2", "uid-2", InstanceLifecycle.TERMINATING,
                    T0.minusSeconds(3600), true, true, true, false, true, ConditionStatus.TRUE, T0.minusSeconds(999),
                    "v1.33.1"));
            case "skipping remediation" -> requests = Map.of(id(2), new MachineRequest(id(2), machine(2), null, false,
                    false, false, null, true, false));
            default -> {
            }
        }

        HealthChecks.Result result = HealthChecks.evaluate(List.of(check(maxUnhealthy, 600,
                ready(ConditionStatus.FALSE, 300))), all, requests, T0);

        assertThat(result.unhealthy()).extracting(u -> u.member().providerID())
                .isEqualTo(remediated ? List.of(id(1)) : List.of());
        if (!remediated) {
            assertThat(result.restricted().get("team-a/mhc")).contains("Machines not healthy (unhealthy, not started"
                    + " or going), more than maxUnhealthy " + maxUnhealthy);
        }
    }

    private static PoolMember drained(PoolMember member) {
        return new PoolMember(member.providerID(), member.nodeName(), member.nodeUid(), member.lifecycle(),
                member.launchTime(), member.ready(), member.available(), member.upToDate(), member.deleteRequested(),
                member.nodeAdopted(), member.nodeReady(), member.nodeReadySince(), member.kubeletVersion(), T0);
    }

    /**
     * Cluster API's {@code unhealthyInRange}: remediation only while the unhealthy count is within [min-max], taking
     * precedence over {@code unhealthyLessThanOrEqualTo}. One that cannot be read remediates none (not all).
     */
    @ParameterizedTest(name = "{0} unhealthy of 5, unhealthyInRange {1}, maxUnhealthy {2} -> remediated {3}")
    @CsvSource(nullValues = "null", textBlock = """
            1, [1-2],  null, true
            2, [1-2],  null, true
            3, [1-2],  null, false
            4, [1-2],  null, false
            1, [2-3],  null, false
            2, [1-2],  0,    true
            3, [1-3],  1,    true
            1, [3-1],  null, false
            1, [0-2],  null, true
            2, [2-2],  null, true
            1, 1-2,    null, false
            1, [1-99999999999999999999], null, false
            """)
    void shouldRemediateOnlyWhileTheUnhealthyCountIsWithinUnhealthyInRange(int unhealthy, String range,
                                                                            String maxUnhealthy, boolean remediated) {
        List<PoolMember> all = new ArrayList<>(members(5));
        for (int n = 1; n <= unhealthy; n++) {
            all.set(n - 1, node(n, ConditionStatus.FALSE, T0.minusSeconds(999)));
        }
        HealthCheck check = new HealthCheck("team-a/mhc", 600, List.of(ready(ConditionStatus.FALSE, 300)),
                maxUnhealthy, range, 1);

        HealthChecks.Result result = HealthChecks.evaluate(List.of(check), all, Map.of(), T0);

        assertThat(result.unhealthy()).hasSize(remediated ? unhealthy : 0);
        assertThat(result.restricted().keySet()).isEqualTo(remediated ? java.util.Set.of()
                : java.util.Set.of("team-a/mhc"));
        if (!remediated) {
            assertThat(result.restricted().get("team-a/mhc")).contains(range).contains("remediating none");
        }
    }

    /**
     * Each pool counts only its own Machines: a count limit is shared among the pools the check selects (each gets
     * its floor of count / pools); a percentage, the default 100% included, is not.
     */
    @ParameterizedTest(name = "{0} unhealthy of 5, maxUnhealthy {1}, unhealthyInRange {2}, {3} pools -> remediated {4}")
    @CsvSource(nullValues = "null", textBlock = """
            2, 4,    null,  2, true
            3, 4,    null,  2, false
            1, 2,    null,  3, false
            1, 0,    null,  2, false
            1, 5,    null,  5, true
            2, 40%,  null,  3, true
            3, 40%,  null,  3, false
            5, null, null,  3, true
            2, null, [1-4], 2, true
            3, null, [1-4], 2, false
            1, null, [1-2], 3, false
            1, null, [0-2], 3, false
            """)
    void shouldShareACountLimitAmongThePoolsTheCheckSelects(int unhealthy, String maxUnhealthy, String range, int pools,
                                                           boolean remediated) {
        HealthChecks.Result result = HealthChecks.evaluate(List.of(new HealthCheck("team-a/mhc", 600,
                List.of(ready(ConditionStatus.FALSE, 300)), maxUnhealthy, range, pools)), withUnhealthy(5, unhealthy),
                Map.of(), T0);

        assertThat(result.unhealthy()).hasSize(remediated ? unhealthy : 0);
        if (!remediated) {
            boolean percentage = maxUnhealthy != null && maxUnhealthy.endsWith("%");
            assertThat(result.restricted().get("team-a/mhc")).contains("remediating none").contains(percentage
                    ? "of 5 Machines not healthy" : "the check selects " + pools + " MachinePools");
        }
    }

    /**
     * What a check that remediates none says, on the object's Warning: the count, the limit and what it came to
     * ({@code ~} stands for "2 of 5 Machines not healthy (unhealthy, not started or going), ").
     */
    @ParameterizedTest(name = "maxUnhealthy {0}, unhealthyInRange {1}")
    @CsvSource(nullValues = "null", delimiter = '|', textBlock = """
            0    | null  | ~ more than maxUnhealthy 0 (0); remediating none
            0%   | null  | ~ more than maxUnhealthy 0% (0); remediating none
            1    | null  | ~ more than maxUnhealthy 1 (1); remediating none
            x    | null  | maxUnhealthy 'x' is neither a count nor a percentage; remediating none
            null | [3-4] | ~ outside unhealthyInRange [3-4]; remediating none
            null | [4-3] | unhealthyInRange '[4-3]' is not a range [min-max]; remediating none
            """)
    void shouldSayWhyACheckRemediatesNone(String maxUnhealthy, String range, String why) {
        HealthChecks.Result result = HealthChecks.evaluate(List.of(new HealthCheck("team-a/mhc", 600,
                List.of(ready(ConditionStatus.FALSE, 300)), maxUnhealthy, range, 1)), withUnhealthy(5, 2), Map.of(),
                T0);

        assertThat(result.restricted()).containsExactly(Map.entry("team-a/mhc", "MachineHealthCheck team-a/mhc: "
                + why.replace("~ ", "2 of 5 Machines not healthy (unhealthy, not started or going), ")));
    }

    /** However the unhealthy Machines fall among the pools, together they remediate no more than a count allows. */
    @Test
    void shouldNeverLetThePoolsOfACheckRemediateMoreThanItsCountTogether() {
        for (int pools = 1; pools <= 6; pools++) {
            for (int count = 0; count <= 12; count++) {
                int atMost = 0;
                int inRange = 0;
                for (int pool = 0; pool < pools; pool++) {
                    atMost += mostRemediatedInAPoolOf(20, new HealthCheck("team-a/mhc", 600,
                            List.of(ready(ConditionStatus.FALSE, 300)), String.valueOf(count), null, pools));
                    inRange += mostRemediatedInAPoolOf(20, new HealthCheck("team-a/mhc", 600,
                            List.of(ready(ConditionStatus.FALSE, 300)), null, "[0-" + count + "]", pools));
                }
                assertThat(atMost).as("%d pools, maxUnhealthy %d", pools, count).isLessThanOrEqualTo(count);
                assertThat(inRange).as("%d pools, unhealthyInRange [0-%d]", pools, count).isLessThanOrEqualTo(count);
            }
        }
    }

    private static int mostRemediatedInAPoolOf(int size, HealthCheck check) {
        int most = 0;
        for (int unhealthy = 1; unhealthy <= size; unhealthy++) {
            most = Math.max(most, HealthChecks.evaluate(List.of(check), withUnhealthy(size, unhealthy), Map.of(), T0)
                    .unhealthy().size());
        }
        return most;
    }

    private static List<PoolMember> withUnhealthy(int size, int unhealthy) {
        List<PoolMember> all = new ArrayList<>(members(size));
        for (int n = 1; n <= unhealthy; n++) {
            all.set(n - 1, node(n, ConditionStatus.FALSE, T0.minusSeconds(999)));
        }
        return all;
    }

    @Test
    void shouldTakeEachUnhealthyMemberOnceWithItsFirstChecksReasonAndLetAPermissiveCheckRemediate() {
        List<PoolMember> all = new ArrayList<>(members(3));
        all.set(0, node(1, ConditionStatus.FALSE, T0.minusSeconds(999)));
        HealthCheck strict = new HealthCheck("team-a/strict", 600, List.of(ready(ConditionStatus.FALSE, 10)), "0");
        HealthCheck lax = new HealthCheck("team-a/lax", 600, List.of(ready(ConditionStatus.FALSE, 20)), null);
        HealthCheck also = new HealthCheck("team-a/also", 600, List.of(ready(ConditionStatus.FALSE, 30)), null);

        HealthChecks.Result result = HealthChecks.evaluate(List.of(strict, lax, also), all, Map.of(), T0);

        assertThat(result.unhealthy()).singleElement().extracting(HealthChecks.Unhealthy::check)
                .isEqualTo("team-a/lax");
        assertThat(result.restricted()).containsOnlyKeys("team-a/strict");
    }

    @Test
    void shouldLookAgainAtTheEarliestTimeoutOfAnyMemberAndCheck() {
        List<PoolMember> all = List.of(node(1, ConditionStatus.FALSE, T0.minusSeconds(100)),
                noNode(2, T0.minusSeconds(550)), node(3, ConditionStatus.UNKNOWN, T0.minusSeconds(10)));
        HealthCheck check = check(null, 600, ready(ConditionStatus.FALSE, 300), ready(ConditionStatus.UNKNOWN, 30));

        assertThat(HealthChecks.evaluate(List.of(check), all, Map.of(), T0).nextAt()).isEqualTo(T0.plusSeconds(20));
        assertThat(HealthChecks.evaluate(List.of(), all, Map.of(), T0).nextAt()).isNull();
    }
}
