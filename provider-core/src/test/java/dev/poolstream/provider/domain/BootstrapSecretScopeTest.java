package dev.poolstream.provider.domain;

import static org.assertj.core.api.Assertions.assertThat;

import dev.poolstream.events.Failure;
import dev.poolstream.events.SecretRef;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BootstrapSecretScopeTest {

    /** pool, Secret, may it be read? */
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("team-a/workers", new SecretRef("team-a", "workers-bootstrap"), true),
                // Any Secret of the pool's namespace: the MachinePool names it, the namespace bounds it.
                Arguments.of("team-a/workers", new SecretRef("team-a", "other-pools-bootstrap"), true),
                // Nothing named yet: not this rule's to refuse (reading reports it as not set, and retries).
                Arguments.of("team-a/workers", null, true),
                Arguments.of("team-a/workers", new SecretRef("team-a", null), true),
                Arguments.of("team-a/workers", new SecretRef(null, null), true),
                // A cluster's kubeconfig (Cluster API's, CAPA's EKS user kubeconfig), in the pool's namespace or not.
                Arguments.of("team-a/workers", new SecretRef("team-a", "demo-kubeconfig"), false),
                Arguments.of("team-a/workers", new SecretRef("team-a", "demo-user-kubeconfig"), false),
                Arguments.of("team-a/workers", new SecretRef("team-a", "demo-kubeconfig-bootstrap"), true),
                // Another namespace, however close.
                Arguments.of("team-a/workers", new SecretRef("team-b", "workers-bootstrap"), false),
                Arguments.of("team-a/workers", new SecretRef("kube-system", "bootstrap-token-abcdef"), false),
                Arguments.of("team-a/workers", new SecretRef("team-a2", "workers-bootstrap"), false),
                Arguments.of("team-a/workers", new SecretRef("Team-a", "workers-bootstrap"), false),
                Arguments.of("team-a/workers", new SecretRef("team", "workers-bootstrap"), false),
                Arguments.of("team-a/workers", new SecretRef("", "workers-bootstrap"), false),
                // A name without a namespace is not taken as the pool's namespace.
                Arguments.of("team-a/workers", new SecretRef(null, "workers-bootstrap"), false),
                // A pool key that is no pool key names no namespace: nothing may be read for it.
                Arguments.of("workers", new SecretRef("workers", "workers-bootstrap"), false),
                Arguments.of("/workers", new SecretRef("", "workers-bootstrap"), false),
                Arguments.of(null, new SecretRef("team-a", "workers-bootstrap"), false));
    }

    @ParameterizedTest(name = "[{index}] pool {0}, Secret {1}: may be read {2}")
    @MethodSource("cases")
    void shouldReadSecretOnlyWhenItIsInThePoolsNamespace(String pool, SecretRef secret, boolean allowed) {
        assertThat(BootstrapSecretScope.check(pool, secret).isEmpty()).isEqualTo(allowed);
    }

    @Test
    void shouldSayAKubeconfigIsNeverBootstrapData() {
        Failure failure = BootstrapSecretScope.check("team-a/workers", new SecretRef("team-a", "demo-kubeconfig"))
                .orElseThrow();

        assertThat(failure.reason()).isEqualTo("BootstrapSecretIsKubeconfig");
        assertThat(failure.message()).contains("team-a/demo-kubeconfig").contains("has not read it");
    }

    @Test
    void shouldNameSecretAndPoolWhenSecretIsInAnotherNamespace() {
        Failure failure = BootstrapSecretScope.check("team-a/workers", new SecretRef("team-b", "join")).orElseThrow();

        assertThat(failure.reason()).isEqualTo("BootstrapSecretOutsideNamespace");
        assertThat(failure.message()).contains("team-b/join").contains("pool team-a/workers (team-a)")
                .contains("has not read it");
    }
}
