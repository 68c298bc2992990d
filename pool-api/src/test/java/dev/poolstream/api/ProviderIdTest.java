package dev.poolstream.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ProviderIdTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', nullValues = "NULL", textBlock = """
            aws:///us-east-1a/i-0abc123 | aws | us-east-1a | '' | i-0abc123 | us-east-1a/i-0abc123
            azure:///subscriptions/s1/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachineScaleSets/nodepool1/virtualMachines/0 | azure | rg-a | nodepool1 | 0 | nodepool1/0
            azure:///subscriptions/s1/resourceGroups/rg-a/providers/Microsoft.Compute/virtualMachines/pool-flex-x7k2 | azure | rg-a | '' | pool-flex-x7k2 | rg-a/pool-flex-x7k2
            docker:////demo-worker-abc | docker | '' | '' | demo-worker-abc | demo-worker-abc
            kind://docker/demo/demo-worker | kind | '' | '' | demo-worker | demo-worker
            NULL | '' | '' | '' | '' | ''
            """)
    void shouldTakeAProviderIdApartForDisplay(String value, String cloud, String location, String group,
                                               String instance, String shortName) {
        ProviderId id = ProviderId.parse(value);

        assertThat(id.cloud()).isEqualTo(cloud);
        assertThat(id.location()).isEqualTo(location);
        assertThat(id.group()).isEqualTo(group);
        assertThat(id.instance()).isEqualTo(instance);
        assertThat(id.shortName()).isEqualTo(shortName);
    }
}
