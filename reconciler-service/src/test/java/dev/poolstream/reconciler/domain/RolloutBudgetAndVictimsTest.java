package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.member;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.infrastructure.v1beta1.AzureMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta1.azuremachinepoolspec.strategy.RollingUpdate;
import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.RefreshPreferences;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolMember;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class RolloutBudgetAndVictimsTest {

    @ParameterizedTest(name = "Azure surge={0} unavailable={1} of {2} -> {3}/{4}")
    @CsvSource(textBlock = """
            1,   0,   5,  1, 0
            25%, 25%, 5,  2, 1
            50%, 0,   3,  2, 0
            0,   0,   5,  1, 0
            0,   2,   5,  0, 2
            """)
    void shouldRoundAzureSurgeUpAndUnavailabilityDown(String surge, String unavailable, int desired, int maxSurge,
                                                      int maxUnavailable) {
        InfraSpec spec = Pools.azure(desired, "v", parse(surge), parse(unavailable)).infrastructure().spec();

        assertThat(RolloutBudget.of(spec, desired)).isEqualTo(new RolloutBudget(maxSurge, maxUnavailable));
    }

    @ParameterizedTest(name = "AWS min={0}% max={1}% of {2} -> {3}/{4}")
    @CsvSource(nullValues = "null", textBlock = """
            null, null, 5,  1, 0
            90,   110,  10, 1, 1
            50,   150,  4,  2, 2
            100,  100,  5,  1, 0
            """)
    void shouldMapAwsRefreshPreferencesToTheSameBudget(Long minHealthy, Long maxHealthy, int desired, int maxSurge,
                                                       int maxUnavailable) {
        AWSMachinePoolSpec aws = new AWSMachinePoolSpec();
        RefreshPreferences preferences = new RefreshPreferences();
        preferences.setMinHealthyPercentage(minHealthy);
        preferences.setMaxHealthyPercentage(maxHealthy);
        aws.setRefreshPreferences(preferences);

        assertThat(RolloutBudget.of(new InfraSpec.Aws(aws), desired))
                .isEqualTo(new RolloutBudget(maxSurge, maxUnavailable));
    }

    @Test
    void shouldChooseMachineAnnotatedThenNodeRequestedThenFailedThenNotReadyThenOldest() {
        PoolMember annotated = member(8, true, true);
        PoolMember failed = new PoolMember("aws:///a/i-f", "f", "u", InstanceLifecycle.FAILED, Pools.T0.plusSeconds(9),
                false, false, true, false, false);
        PoolMember requested = new PoolMember("aws:///a/i-r", "r", "u", InstanceLifecycle.RUNNING,
                Pools.T0.plusSeconds(8), true, true, true, true, true);
        PoolMember unready = member(7, false, true);
        PoolMember oldest = member(1, true, true);
        PoolMember newest = member(9, true, true);
        List<PoolMember> all = List.of(newest, oldest, unready, requested, failed, annotated);
        Set<String> machineAnnotated = Set.of(annotated.providerID());

        assertThat(Victims.choose(all, 6, Victims.DeletePolicy.OLDEST, 1, machineAnnotated, Set.of()))
                .containsExactly(annotated, requested, failed, unready, oldest, newest);
        assertThat(Victims.choose(all, 6, Victims.DeletePolicy.NEWEST, 1, machineAnnotated, Set.of()))
                .containsExactly(annotated, requested, failed, unready, newest, oldest);
        assertThat(Victims.choose(all, 2, Victims.DeletePolicy.OLDEST, 1, machineAnnotated, Set.of()))
                .containsExactly(annotated, requested);
        assertThat(Victims.choose(all, 1, Victims.DeletePolicy.RANDOM, 1, machineAnnotated, Set.of()))
                .containsExactly(annotated);
        assertThat(Victims.choose(all, 0, Victims.DeletePolicy.OLDEST, 1, machineAnnotated, Set.of())).isEmpty();
        // Without Machines: the Node's request first.
        assertThat(Victims.choose(all, 3, Victims.DeletePolicy.OLDEST, 1))
                .containsExactly(requested, failed, unready);
    }

    /**
     * cluster-autoscaler drained a Node and annotated its Machine, which another controller's hook holds back: it is
     * still the one that goes (as Cluster API's MachineSet deletes it whatever hooks it carries), not a loaded Node.
     */
    @Test
    void shouldChooseAMachineAskedToGoBeforeOthersWhateverHooksItCarriesAndHookedOnesLastOfTheRest() {
        PoolMember annotatedHooked = member(8, true, true);
        PoolMember requestedHooked = new PoolMember("aws:///a/i-r", "r", "u", InstanceLifecycle.RUNNING,
                Pools.T0.plusSeconds(8), true, true, true, true, true);
        PoolMember oldestHooked = member(1, true, true);
        PoolMember unready = member(7, false, true);
        PoolMember older = member(2, true, true);
        List<PoolMember> all = List.of(older, unready, oldestHooked, requestedHooked, annotatedHooked);
        Set<String> hooked = Set.of(annotatedHooked.providerID(), requestedHooked.providerID(),
                oldestHooked.providerID());

        assertThat(Victims.choose(all, 5, Victims.DeletePolicy.OLDEST, 1, Set.of(annotatedHooked.providerID()),
                hooked)).containsExactly(annotatedHooked, requestedHooked, unready, older, oldestHooked);
    }

    @Test
    void shouldChooseRandomVictimsTheSameWayForTheSameSeed() {
        List<PoolMember> all = Pools.members(10);

        List<PoolMember> once = Victims.choose(all, 3, Victims.DeletePolicy.RANDOM, 42);

        assertThat(Victims.choose(all, 3, Victims.DeletePolicy.RANDOM, 42)).isEqualTo(once);
        assertThat(once).hasSize(3).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "{0} {1} of {2} (round up={3}) -> {4}")
    @CsvSource(nullValues = "null", textBlock = """
            none, null,  10, true,  7
            int,  3,     10, true,  3
            int,  -2,    10, true,  0
            str,  '2',   10, true,  2
            str,  ' 4 ', 10, false, 4
            str,  '-3',  10, true,  0
            str,  abc,   10, true,  7
            str,  '',    10, true,  7
            str,  null,  10, true,  7
            str,  25%,   10, true,  3
            str,  25%,   10, false, 2
            str,  0%,    10, true,  0
            str,  100%,  10, false, 10
            str,  x%,    10, true,  7
            """)
    void shouldReadAnAbsoluteCountOrAPercentageAndFallBackOnAnythingElse(String type, String value, int desired,
                                                                         boolean roundUp, int expected) {
        IntOrString parsed = switch (type) {
            case "int" -> new IntOrString(Integer.parseInt(value));
            case "str" -> new IntOrString((Object) value);
            default -> null;
        };

        assertThat(RolloutBudget.scaled(parsed, desired, roundUp, 7)).isEqualTo(expected);
    }

    @Test
    void shouldTakeTheDefaultsWithoutAStrategyOrRefreshPreferences() {
        assertThat(RolloutBudget.of(null, 5)).isEqualTo(new RolloutBudget(1, 0));
        // AWS's instance refresh defaults: min 90 % healthy, max 100 %.
        assertThat(RolloutBudget.of(new InfraSpec.Aws(null), 10)).isEqualTo(new RolloutBudget(0, 1));
        assertThat(RolloutBudget.of(new InfraSpec.Azure(null), 10)).isEqualTo(new RolloutBudget(1, 0));
        AzureMachinePoolSpec noStrategy = new AzureMachinePoolSpec();
        noStrategy.setStrategy(null);
        assertThat(RolloutBudget.of(new InfraSpec.Azure(noStrategy), 10)).isEqualTo(new RolloutBudget(1, 0));
    }

    static Stream<Arguments> policies() {
        return Stream.of(
                Arguments.of("Azure, default", azure(s -> { }), Victims.DeletePolicy.OLDEST),
                Arguments.of("Azure, Newest", azure(s -> s.getStrategy().getRollingUpdate()
                        .setDeletePolicy(RollingUpdate.DeletePolicy.NEWEST)), Victims.DeletePolicy.NEWEST),
                Arguments.of("Azure, Random", azure(s -> s.getStrategy().getRollingUpdate()
                        .setDeletePolicy(RollingUpdate.DeletePolicy.RANDOM)), Victims.DeletePolicy.RANDOM),
                Arguments.of("Azure, no policy", azure(s -> s.getStrategy().getRollingUpdate().setDeletePolicy(null)),
                        Victims.DeletePolicy.OLDEST),
                Arguments.of("Azure, no rollingUpdate", azure(s -> s.getStrategy().setRollingUpdate(null)),
                        Victims.DeletePolicy.OLDEST),
                Arguments.of("Azure, no strategy", azure(s -> s.setStrategy(null)), Victims.DeletePolicy.OLDEST),
                Arguments.of("Azure, no spec", new InfraSpec.Azure(null), Victims.DeletePolicy.OLDEST),
                Arguments.of("AWS", Pools.aws(3).infrastructure().spec(), Victims.DeletePolicy.OLDEST),
                Arguments.of("none", null, Victims.DeletePolicy.OLDEST));
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("policies")
    void shouldTakeTheDeletePolicyOfAnAzureRollingUpdateAndOldestOtherwise(String name, InfraSpec spec,
                                                                          Victims.DeletePolicy policy) {
        assertThat(Victims.policyOf(spec)).isEqualTo(policy);
    }

    /**
     * The random order is a fixed function of the seed (pool and generation) and the provider IDs, the same in every
     * process and release: a reconciler restarted (or upgraded) in the middle of a scale-down chooses the victims it
     * had cordoned, rather than stranding them.
     */
    @ParameterizedTest(name = "seed {0}")
    @CsvSource(textBlock = """
            42, '0007,0009,0010,0003'
            7,  '0003,0005,0004,0008'
            """)
    void shouldChooseTheSameRandomVictimsForTheSameSeedInEveryProcess(long seed, String expected) {
        List<PoolMember> all = Pools.members(10);

        List<String> chosen = Victims.choose(all, 4, Victims.DeletePolicy.RANDOM, seed).stream()
                .map(m -> m.providerID().substring(m.providerID().lastIndexOf('-') + 1)).toList();

        assertThat(String.join(",", chosen)).isEqualTo(expected);
    }

    @Test
    void shouldChooseNoVictimWhenNoneIsAskedFor() {
        List<PoolMember> all = List.of(new PoolMember("aws:///a/i-f", "f", "u", InstanceLifecycle.FAILED, null,
                false, false, true, false, false));

        assertThat(Victims.choose(all, 0, Victims.DeletePolicy.OLDEST, 1)).isEmpty();
        assertThat(Victims.choose(all, -1, Victims.DeletePolicy.OLDEST, 1)).isEmpty();
        assertThat(Victims.choose(all, 1, Victims.DeletePolicy.OLDEST, 1)).containsExactlyElementsOf(all);
    }

    private static InfraSpec azure(java.util.function.Consumer<AzureMachinePoolSpec> change) {
        AzureMachinePoolSpec spec = new AzureMachinePoolSpec();
        change.accept(spec);
        return new InfraSpec.Azure(spec);
    }

    private static Object parse(String value) {
        return value.endsWith("%") ? value : (Object) Integer.parseInt(value);
    }
}
