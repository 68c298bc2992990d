package dev.poolstream.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The group name derivation of pool-events ({@link ScalingGroupNames}). It lives in provider-core's tests because the
 * providers are the ones the names must fit (launch template and scale set naming rules).
 */
class ScalingGroupNamesTest {

    @Test
    void shouldBeInfrastructurePoolNameAndTenHexDigitsOfClusterNamespaceAndNameWhenDerived() {
        // sha256("prod/team-a/workers") starts 49a3af1caa: pinned, so that a release never renames a group.
        assertThat(ScalingGroupNames.derive(Cloud.AWS, "prod", "team-a", "workers")).isEqualTo("workers-49a3af1caa");
        assertThat(ScalingGroupNames.derive(Cloud.AZURE, "prod", "team-a", "workers")).isEqualTo("workers-49a3af1caa");
        assertThat(ScalingGroupNames.derive(Cloud.AWS, "prod", "team-b", "workers")).isEqualTo("workers-10dd8f8de9");
        assertThat(ScalingGroupNames.derive(Cloud.AWS, "dev", "team-a", "workers")).isEqualTo("workers-df762fe561");
    }

    @Test
    void shouldGiveEachPoolItsOwnNameWhenOnlyNamespaceClusterOrNameDiffers() {
        Set<String> names = new HashSet<>();
        for (String cluster : new String[] {"prod", "dev", "prod-eu"}) {
            for (String namespace : new String[] {"team-a", "team-b", "default"}) {
                for (String name : new String[] {"workers", "workers-2", "gpu"}) {
                    names.add(ScalingGroupNames.derive(Cloud.AWS, cluster, namespace, name));
                }
            }
        }
        assertThat(names).hasSize(27);
    }

    @Test
    void shouldNotConfuseClusterWithNamespaceWhenTheySwapPlaces() {
        assertThat(ScalingGroupNames.derive(Cloud.AWS, "a", "b", "workers"))
                .isNotEqualTo(ScalingGroupNames.derive(Cloud.AWS, "b", "a", "workers"));
    }

    @Test
    void shouldStayUniqueWhenLongNamesDifferOnlyBeyondTheCut() {
        String a = "w".repeat(200) + "-a";
        String b = "w".repeat(200) + "-b";
        for (Cloud cloud : Cloud.values()) {
            String nameA = ScalingGroupNames.derive(cloud, "prod", "team-a", a);
            String nameB = ScalingGroupNames.derive(cloud, "prod", "team-a", b);
            assertThat(nameA).isNotEqualTo(nameB);
            assertThat(nameA.substring(0, nameA.length() - 11)).isEqualTo(nameB.substring(0, nameB.length() - 11));
        }
    }

    @Test
    void shouldFitLaunchTemplateNameWhenInfrastructurePoolNameIsAsLongAsKubernetesAllows() {
        String name = ScalingGroupNames.derive(Cloud.AWS, "c".repeat(63), "n".repeat(63), "p".repeat(253));

        assertThat(name).hasSize(ScalingGroupNames.AWS_MAX_LENGTH).matches("p{117}-[0-9a-f]{10}");
    }

    @Test
    void shouldFitScaleSetComputerNamePrefixWhenInfrastructurePoolNameIsLong() {
        String name = ScalingGroupNames.derive(Cloud.AZURE, "prod", "team-a", "p".repeat(253));

        assertThat(name).hasSize(ScalingGroupNames.AZURE_DERIVED_LENGTH).matches("p{47}-[0-9a-f]{10}");
        assertThat(ScalingGroupNames.AZURE_DERIVED_LENGTH).isLessThanOrEqualTo(ScalingGroupNames.AZURE_MAX_LENGTH);
    }

    @Test
    void shouldUseOnlyLettersDigitsAndHyphensOnAzureWhenNameHasDots() {
        String name = ScalingGroupNames.derive(Cloud.AZURE, "prod", "team-a", "pool.v2.workers");

        assertThat(name).matches("pool-v2-workers-[0-9a-f]{10}");
        // AWS keeps the dot: launch template names allow it.
        assertThat(ScalingGroupNames.derive(Cloud.AWS, "prod", "team-a", "pool.v2.workers"))
                .matches("pool\\.v2\\.workers-[0-9a-f]{10}");
    }

    @Test
    void shouldNotEndReadablePartWithPunctuationWhenTheCutFallsOnIt() {
        // 47 characters of room on Azure: the 47th is a '.', turned '-', then trimmed.
        String name = ScalingGroupNames.derive(Cloud.AZURE, "prod", "team-a", "a".repeat(46) + ".b");

        assertThat(name).matches("a{46}-[0-9a-f]{10}");
    }

    @ParameterizedTest
    @EnumSource(Cloud.class)
    void shouldBeAValidNameForTheCloudWhenDerived(Cloud cloud) {
        for (String infra : new String[] {"w", "workers", "pool.v2", "a-b-c", "p".repeat(253), "0pool"}) {
            String name = ScalingGroupNames.derive(cloud, "prod", "team-a", infra);
            assertThat(ScalingGroupNames.problem(cloud, Map.of(ScalingGroupNames.ANNOTATION, name)))
                    .as(name).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "a/b"})
    void shouldRefuseWhenAPartIsBlankOrHoldsASlash(String bad) {
        assertThatThrownBy(() -> ScalingGroupNames.derive(Cloud.AWS, bad, "ns", "workers"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cluster");
        assertThatThrownBy(() -> ScalingGroupNames.derive(Cloud.AWS, "c", bad, "workers"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("namespace");
        assertThatThrownBy(() -> ScalingGroupNames.derive(Cloud.AWS, "c", "ns", bad))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("infrastructurePoolName");
    }

    @Test
    void shouldUseNamedGroupWhenMachinePoolAnnotationNamesOne() {
        Map<String, String> annotations = Map.of(ScalingGroupNames.ANNOTATION, "workers");

        assertThat(ScalingGroupNames.forPool(Cloud.AWS, "prod", "team-a", "workers", annotations))
                .isEqualTo("workers");
        assertThat(ScalingGroupNames.forPool(Cloud.AZURE, "prod", "team-a", "workers", annotations))
                .isEqualTo("workers");
    }

    @Test
    void shouldDeriveNameWhenNoAnnotationNamesAGroup() {
        assertThat(ScalingGroupNames.forPool(Cloud.AWS, "prod", "team-a", "workers", Map.of("other", "x")))
                .isEqualTo("workers-49a3af1caa");
        assertThat(ScalingGroupNames.forPool(Cloud.AWS, "prod", "team-a", "workers", null))
                .isEqualTo("workers-49a3af1caa");
    }

    @Test
    void shouldRefuseAnnotatedNameWhenTheCloudCannotHaveIt() {
        Map<String, String> tooLongForAzure = Map.of(ScalingGroupNames.ANNOTATION, "p".repeat(65));
        Map<String, String> spaces = Map.of(ScalingGroupNames.ANNOTATION, "my pool");
        Map<String, String> tooShortForLaunchTemplate = Map.of(ScalingGroupNames.ANNOTATION, "ab");

        assertThat(ScalingGroupNames.problem(Cloud.AZURE, tooLongForAzure)).hasValueSatisfying(f -> {
            assertThat(f.reason()).isEqualTo(ScalingGroupNames.REASON_INVALID_NAME);
            assertThat(f.message()).contains(ScalingGroupNames.ANNOTATION).contains("VM Scale Set name");
        });
        assertThat(ScalingGroupNames.problem(Cloud.AWS, tooLongForAzure)).isEmpty();
        assertThat(ScalingGroupNames.problem(Cloud.AWS, spaces)).isPresent();
        assertThat(ScalingGroupNames.problem(Cloud.AZURE, spaces)).isPresent();
        assertThat(ScalingGroupNames.problem(Cloud.AWS, tooShortForLaunchTemplate)).isPresent();
        assertThat(ScalingGroupNames.problem(Cloud.AZURE, tooShortForLaunchTemplate)).isEmpty();
        assertThat(ScalingGroupNames.problem(Cloud.AZURE, Map.of(ScalingGroupNames.ANNOTATION, "-np"))).isPresent();
        assertThat(ScalingGroupNames.problem(Cloud.AZURE, Map.of(ScalingGroupNames.ANNOTATION, "np."))).isPresent();
        assertThatThrownBy(() -> ScalingGroupNames.forPool(Cloud.AWS, "prod", "team-a", "workers", spaces))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'my pool'");
    }
}
