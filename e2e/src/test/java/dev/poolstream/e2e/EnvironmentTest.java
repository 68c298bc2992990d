package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EnvironmentTest {

    /**
     * The broker's storage tool reads a cluster id that starts with a dash as an option and refuses to format: one
     * random id in 64 did (a CI run's smoke failed on it). 2,000 ids include such a one with all but certainty.
     */
    @Test
    void shouldMakeClusterIdsTheStorageToolTakesAsTheyAre() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 2_000; i++) {
            String id = Environment.kafkaClusterId();
            assertThat(id).hasSize(22).doesNotStartWith("-").matches("[A-Za-z0-9_-]+");
            ids.add(id);
        }
        assertThat(ids).hasSize(2_000);
    }
}
