package dev.poolstream.provider.aws.domain;

import dev.poolstream.provider.domain.InvalidTemplateException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.poolstream.api.infrastructure.v1beta2.AWSMachinePoolSpec;
import dev.poolstream.api.infrastructure.v1beta2.awsmachinepoolspec.Subnets;
import dev.poolstream.events.InfraSpec;
import dev.poolstream.events.command.GroupTemplate;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlacementTest {

    private static GroupTemplate template(AWSMachinePoolSpec spec, List<String> failureDomains) {
        return new GroupTemplate("c1", "v1", new InfraSpec.Aws(spec), 1, null, failureDomains, Map.of());
    }

    private static Subnets subnet(String id) {
        Subnets s = new Subnets();
        s.setId(id);
        return s;
    }

    @Test
    void shouldUseSubnetsWhenPoolNamesThem() {
        AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
        spec.setSubnets(List.of(subnet("subnet-b"), subnet("subnet-a")));
        spec.setAvailabilityZones(List.of("us-east-1a"));

        assertThat(Placement.of(template(spec, List.of("us-east-1c")))).containsExactly("subnet-a", "subnet-b");
    }

    @Test
    void shouldUsePoolZonesBeforeFailureDomains() {
        AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
        spec.setAvailabilityZones(List.of("us-east-1b", "us-east-1a"));

        assertThat(Placement.of(template(spec, List.of("us-east-1c")))).containsExactly("us-east-1a", "us-east-1b");
    }

    @Test
    void shouldUseFailureDomainsWhenPoolNamesNoPlace() {
        assertThat(Placement.of(template(new AWSMachinePoolSpec(), List.of("us-east-1c", "us-east-1c"))))
                .containsExactly("us-east-1c");
    }

    @Test
    void shouldRefuseWhenThereIsNowhereToPlaceInstances() {
        assertThatThrownBy(() -> Placement.of(template(new AWSMachinePoolSpec(), List.of())))
                .isInstanceOfSatisfying(InvalidTemplateException.class,
                        e -> assertThat(e.failure().reason()).isEqualTo("NoPlacement"));
    }

    @Test
    void shouldRefuseSubnetsGivenByFiltersOnly() {
        AWSMachinePoolSpec spec = new AWSMachinePoolSpec();
        spec.setSubnets(List.of(new Subnets()));

        assertThatThrownBy(() -> Placement.of(template(spec, List.of("us-east-1a"))))
                .isInstanceOfSatisfying(InvalidTemplateException.class,
                        e -> assertThat(e.failure().reason()).isEqualTo("SubnetFiltersUnsupported"));
    }

    @Test
    void shouldTellSubnetsFromZones() {
        assertThat(Placement.isSubnet("subnet-0abc")).isTrue();
        assertThat(Placement.isSubnet("us-east-1a")).isFalse();
    }
}
