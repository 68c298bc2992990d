package dev.poolstream.status.domain;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class KubernetesVersionsTest {

    private static List<String> sorted(String... versions) {
        List<String> list = new ArrayList<>(List.of(versions));
        Collections.shuffle(list, new java.util.Random(7));
        list.sort(KubernetesVersions.ORDER);
        return list;
    }

    @Test
    void shouldOrderComponentsAsNumbersWhenTheyHaveDifferentLengths() {
        assertThat(sorted("v1.33.10", "v1.33.9", "v1.100.0", "v1.9.0", "v2.0.0"))
                .containsExactly("v1.9.0", "v1.33.9", "v1.33.10", "v1.100.0", "v2.0.0");
    }

    @Test
    void shouldPutPreReleasesBeforeTheirReleaseWhenOrdering() {
        assertThat(sorted("v1.34.0", "v1.34.0-rc.1", "v1.34.0-alpha.2", "v1.34.0-alpha.10", "v1.34.0-beta.0",
                "v1.33.99", "v1.34.0-rc.1.5", "v1.34.0-1"))
                .containsExactly("v1.33.99", "v1.34.0-1", "v1.34.0-alpha.2", "v1.34.0-alpha.10", "v1.34.0-beta.0",
                        "v1.34.0-rc.1", "v1.34.0-rc.1.5", "v1.34.0");
    }

    @Test
    void shouldIgnoreBuildMetadataAndTheVPrefixWhenComparingButStayTotal() {
        assertThat(KubernetesVersions.compare("v1.33.1+k3s1", "v1.33.2")).isNegative();
        assertThat(KubernetesVersions.compare("1.33.2", "v1.33.1")).isPositive();
        assertThat(sorted("v1.33.1+k3s1", "v1.33.1", "1.33.1"))
                .containsExactly("1.33.1", "v1.33.1", "v1.33.1+k3s1");
        assertThat(KubernetesVersions.compare("v1.33.1", "v1.33.1")).isZero();
    }

    @Test
    void shouldPutWhatIsNoVersionLastWhenOrdering() {
        assertThat(sorted("unknown", "v1.33.1", "v1", "v1.x.2", "v1.34.0-"))
                .containsExactly("v1.33.1", "unknown", "v1", "v1.34.0-", "v1.x.2");
    }

    @Test
    void shouldTakeAMissingComponentAsZeroWhenVersionsHaveDifferentLengths() {
        assertThat(sorted("v1.30.1", "v1.30.0", "v1.30", "v1.29.9.9"))
                .containsExactly("v1.29.9.9", "v1.30", "v1.30.0", "v1.30.1");
        assertThat(KubernetesVersions.compare("v1.30.0.1", "v1.30")).isPositive();
        assertThat(KubernetesVersions.compare("v1.30", "v1.30.0.1")).isNegative();
    }

    @Test
    void shouldReadMajorAndMinorAloneAsAVersionWhenOrdering() {
        assertThat(sorted("v1.31", "zzz", "v1.30.5")).containsExactly("v1.30.5", "v1.31", "zzz");
    }

    @Test
    void shouldPutANumericPreReleaseIdentifierBeforeAnAlphanumericOneWhateverFollows() {
        // Semantic versioning: numeric identifiers before alphanumeric ones, before the number of identifiers.
        assertThat(KubernetesVersions.compare("v1.34.0-1.x", "v1.34.0-alpha")).isNegative();
        assertThat(KubernetesVersions.compare("v1.34.0-alpha", "v1.34.0-1.x")).isPositive();
    }

    @Test
    void shouldPutAShorterPreReleaseFirstWhenItIsAPrefixOfALongerOneHoweverWritten() {
        assertThat(KubernetesVersions.compare("v1.34.0-rc.1", "1.34.0-rc.1.0")).isNegative();
        assertThat(KubernetesVersions.compare("1.34.0-rc.1.0", "v1.34.0-rc.1")).isPositive();
    }
}
