package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ConsumerGroupsTest {

    private static final Path ROOT = Path.of(System.getProperty("poolstream.root", ".."));

    @Test
    void shouldPreferTheConfiguredNameAndAcceptTheOldOneTheBrokerKnows() {
        assertThat(ConsumerGroups.resolve(ConsumerGroups.PROVIDER_AWS, Set.of("poolstream-provider-aws",
                "scalinggroup-commands"))).isEqualTo("poolstream-provider-aws");
        assertThat(ConsumerGroups.resolve(ConsumerGroups.PROVIDER_AWS, Set.of("scalinggroup-commands")))
                .isEqualTo("scalinggroup-commands");
        assertThat(ConsumerGroups.resolve(ConsumerGroups.STATUS_WRITER, Set.of("status-writer")))
                .isEqualTo("status-writer");
        assertThat(ConsumerGroups.resolve(ConsumerGroups.STATUS_WRITER, Set.of()))
                .isEqualTo("poolstream-status-writer");
    }

    @Test
    void shouldGiveEachTargetItsGroupsAndTheBrokerAll() {
        assertThat(ConsumerGroups.of("watcher-service")).isEmpty();
        assertThat(ConsumerGroups.of("reconciler-service")).containsExactly(ConsumerGroups.RECONCILER);
        assertThat(ConsumerGroups.of("status-service")).containsExactly(ConsumerGroups.STATUS_STREAMS,
                ConsumerGroups.STATUS_WRITER);
        assertThat(ConsumerGroups.of("provider-aws-service")).containsExactly(ConsumerGroups.PROVIDER_AWS);
        assertThat(ConsumerGroups.of("broker")).isEqualTo(ConsumerGroups.ALL);
        assertThat(ConsumerGroups.RECONCILER.commits()).isFalse();
    }

    /** The configured names are the services' yaml's: a renamed group in a service turns this red. */
    @Test
    void shouldNameEachGroupAsItsServicesYamlConfiguresIt() throws IOException {
        assertThat(yaml("reconciler-service")).contains("group-id: " + ConsumerGroups.RECONCILER.configured());
        assertThat(yaml("status-service")).contains("group-id: " + ConsumerGroups.STATUS_WRITER.configured())
                .contains("application-id: " + ConsumerGroups.STATUS_STREAMS.configured());
        assertThat(yaml("provider-aws-service")).contains("group-id: " + ConsumerGroups.PROVIDER_AWS.configured());
        assertThat(ConsumerGroups.names(ConsumerGroups.PROVIDER_AWS)).isEqualTo(List.of("poolstream-provider-aws",
                "scalinggroup-commands"));
    }

    private static String yaml(String service) throws IOException {
        return Files.readString(ROOT.resolve(service).resolve("src/main/resources").resolve(service + ".yaml"));
    }
}
