package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.member;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.RefreshPreferences;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.InstanceLifecycle;
import dev.poolstream.events.PoolMember;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
    void shouldChooseFailedThenDeleteRequestedThenNotReadyThenOldest() {
        PoolMember failed = new PoolMember("aws:///a/i-f", "f", "u", InstanceLifecycle.FAILED, Pools.T0.plusSeconds(9),
                false, false, true, false, false);
        PoolMember requested = new PoolMember("aws:///a/i-r", "r", "u", InstanceLifecycle.RUNNING,
                Pools.T0.plusSeconds(8), true, true, true, true, true);
        PoolMember unready = member(7, false, true);
        PoolMember oldest = member(1, true, true);
        PoolMember newest = member(9, true, true);
        List<PoolMember> all = List.of(newest, oldest, unready, requested, failed);

        assertThat(Victims.choose(all, 5, Victims.DeletePolicy.OLDEST, 1))
                .containsExactly(failed, requested, unready, oldest, newest);
        assertThat(Victims.choose(all, 5, Victims.DeletePolicy.NEWEST, 1))
                .containsExactly(failed, requested, unready, newest, oldest);
        assertThat(Victims.choose(all, 2, Victims.DeletePolicy.OLDEST, 1)).containsExactly(failed, requested);
        assertThat(Victims.choose(all, 0, Victims.DeletePolicy.OLDEST, 1)).isEmpty();
    }

    @Test
    void shouldChooseRandomVictimsTheSameWayForTheSameSeed() {
        List<PoolMember> all = Pools.members(10);

        List<PoolMember> once = Victims.choose(all, 3, Victims.DeletePolicy.RANDOM, 42);

        assertThat(Victims.choose(all, 3, Victims.DeletePolicy.RANDOM, 42)).isEqualTo(once);
        assertThat(once).hasSize(3).doesNotHaveDuplicates();
    }

    private static Object parse(String value) {
        return value.endsWith("%") ? value : (Object) Integer.parseInt(value);
    }
}
