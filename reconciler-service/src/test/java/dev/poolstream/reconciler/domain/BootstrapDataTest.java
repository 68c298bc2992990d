package dev.poolstream.reconciler.domain;

import static dev.poolstream.reconciler.domain.Pools.T0;
import static dev.poolstream.reconciler.domain.Pools.aws;
import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.Bootstrap;
import dev.poolstream.api.cluster.v1beta2.machinepoolspec.template.spec.bootstrap.ConfigRef;
import dev.poolstream.events.PoolSpec;
import dev.poolstream.events.PoolSpecChecks;
import dev.poolstream.events.command.EnsureGroup;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Cluster API's bootstrap step, taken by Poolstream in owner mode: when to read the config, what to write. */
class BootstrapDataTest {

    private static final Duration RECHECK = Duration.ofSeconds(10);
    private static final BootstrapData.ConfigRef REF =
            new BootstrapData.ConfigRef("bootstrap.cluster.x-k8s.io", "KubeadmConfig", "workers-config");

    @Test
    void shouldReadTheConfigAndSendNothingWhileThePoolHasOnlyAConfigRef() {
        Decision decision = PoolReconciler.decide(owner(configRefOnly(), null));

        assertThat(decision.bootstrap()).isEqualTo(new BootstrapData.Read(REF, T0));
        assertThat(decision.blocked().reason()).isEqualTo(PoolSpecChecks.REASON_BOOTSTRAP_DATA_MISSING);
        assertThat(decision.commands()).isEmpty();
        assertThat(decision.actions()).isEmpty();
    }

    @Test
    void shouldReadAgainAfterTheRecheckWhileTheConfigHasNoDataSecret() {
        for (BootstrapData.Config notReady : new BootstrapData.Config[] {
                BootstrapData.Config.notFound(REF, T0),
                new BootstrapData.Config(REF, true, false, false, null, T0),
                // A name before the config says the Secret is created (Cluster API waits for both).
                new BootstrapData.Config(REF, true, false, false, "workers-config", T0),
                // A config being deleted is left alone.
                new BootstrapData.Config(REF, true, true, true, "workers-config", T0)}) {
            Decision decision = PoolReconciler.decide(owner(configRefOnly(), notReady));

            assertThat(decision.bootstrap()).as(notReady.toString())
                    .isEqualTo(new BootstrapData.Read(REF, T0.plus(RECHECK)));
            assertThat(decision.actions()).as(notReady.toString()).isEmpty();
            assertThat(decision.commands()).isEmpty();
        }
    }

    @Test
    void shouldWriteTheDataSecretNameOnceTheConfigSaysItsSecretIsCreated() {
        BootstrapData.Config ready = new BootstrapData.Config(REF, true, false, true, "workers-config-data", T0);

        Decision decision = PoolReconciler.decide(owner(configRefOnly(), ready));

        assertThat(decision.actions()).containsExactly(
                new KubeAction.SetBootstrapDataSecretName("workers-config-data"));
        assertThat(decision.bootstrap()).isNull();
        assertThat(decision.commands()).as("the group waits for the name in the spec").isEmpty();
    }

    @Test
    void shouldGoOnAsUsualOnceTheSpecNamesTheConfigsSecret() {
        PoolSpec named = configRefOnly();
        named.spec().getTemplate().getSpec().getBootstrap().setDataSecretName("workers-config-data");
        BootstrapData.Config ready = new BootstrapData.Config(REF, true, false, true, "workers-config-data", T0);

        Decision decision = PoolReconciler.decide(owner(named, ready));

        assertThat(decision.blocked()).isNull();
        assertThat(decision.bootstrap()).isNull();
        assertThat(decision.actions()).isEmpty();
        assertThat(decision.commands()).singleElement().isInstanceOfSatisfying(EnsureGroup.class,
                e -> assertThat(e.template().bootstrapDataSecret().name()).isEqualTo("workers-config-data"));
    }

    @Test
    void shouldReadTheConfigAgainWhenTheRefNamesAnotherOne() {
        BootstrapData.ConfigRef before = new BootstrapData.ConfigRef("bootstrap.cluster.x-k8s.io", "KubeadmConfig",
                "old-config");
        BootstrapData.Config ready = new BootstrapData.Config(before, true, false, true, "old-config-data",
                T0.minusSeconds(1));

        Decision decision = PoolReconciler.decide(owner(configRefOnly(), ready));

        assertThat(decision.bootstrap()).isEqualTo(new BootstrapData.Read(REF, T0));
        assertThat(decision.actions()).isEmpty();
    }

    @Test
    void shouldLeaveTheBootstrapStepToClusterApiInInfrastructureProviderMode() {
        Decision decision = PoolReconciler.decide(new PoolReconciler.Look(configRefOnly(), null, null, Memory.EMPTY,
                T0, false, Duration.ofMinutes(2), null, RECHECK));

        assertThat(decision.bootstrap()).isNull();
        assertThat(decision.actions()).isEmpty();
        assertThat(decision.blocked().reason()).isEqualTo(PoolSpecChecks.REASON_BOOTSTRAP_DATA_MISSING);
    }

    /** A pool as the CAPA and CAPZ templates write one: a configRef and no dataSecretName. */
    private static PoolSpec configRefOnly() {
        PoolSpec spec = aws(3);
        ConfigRef ref = new ConfigRef();
        ref.setApiGroup(REF.apiGroup());
        ref.setKind(REF.kind());
        ref.setName(REF.name());
        Bootstrap bootstrap = new Bootstrap();
        bootstrap.setConfigRef(ref);
        spec.spec().getTemplate().getSpec().setBootstrap(bootstrap);
        return spec;
    }

    private static PoolReconciler.Look owner(PoolSpec spec, BootstrapData.Config config) {
        return new PoolReconciler.Look(spec, null, null, Memory.EMPTY, T0, true, Duration.ofMinutes(2), config,
                RECHECK);
    }
}
