package dev.poolstream.watcher.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** Lease timings fabric8's elector would refuse only once the caches are synced are refused at boot. */
class LeasePropertiesTest {

    private static WatcherProperties bind(Map<String, String> properties) {
        return new Binder(new MapConfigurationPropertySource(properties))
                .bindOrCreate("poolstream.watcher", WatcherProperties.class);
    }

    @Test
    void shouldBindTheDefaultsAndTimingsTheElectorTakes() {
        assertThat(bind(Map.of()).lease().renewDeadline()).isEqualTo(Duration.ofSeconds(10));
        assertThat(bind(Map.of("poolstream.watcher.lease.duration", "3s",
                "poolstream.watcher.lease.renew-deadline", "2s",
                "poolstream.watcher.lease.retry-period", "200ms")).lease().retryPeriod())
                .isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void shouldRefuseARenewDeadlineTheElectorsRetriesDoNotFitIn() {
        // 2 s + 1.2 × 1 s (its jitter) is longer than the deadline of 2 s.
        assertThatThrownBy(() -> bind(Map.of("poolstream.watcher.lease.renew-deadline", "2s",
                "poolstream.watcher.lease.retry-period", "1s")))
                .rootCause().hasMessageContaining("poolstream.watcher.lease.renew-deadline (PT2S) must be greater")
                .hasMessageContaining("retry-period (PT1S)");
    }

    @Test
    void shouldRefuseALeaseNoLongerThanItsRenewDeadline() {
        assertThatThrownBy(() -> bind(Map.of("poolstream.watcher.lease.duration", "10s")))
                .rootCause().hasMessage("poolstream.watcher.lease.duration (PT10S) must be greater than "
                        + "renew-deadline (PT10S)");
    }

    @Test
    void shouldRefuseARetryPeriodOfZero() {
        assertThatThrownBy(() -> bind(Map.of("poolstream.watcher.lease.retry-period", "0s")))
                .rootCause().hasMessage("poolstream.watcher.lease.retry-period must be greater than 0");
    }
}
