package dev.poolstream.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PoolKeyTest {

    @Test
    void shouldRoundTripThroughItsString() {
        PoolKey key = PoolKey.parse("team-a/workers");

        assertThat(key.namespace()).isEqualTo("team-a");
        assertThat(key.name()).isEqualTo("workers");
        assertThat(PoolKey.parse(key.toString())).isEqualTo(key);
    }

    @ParameterizedTest
    @NullSource
    @ValueSource(strings = {"", "workers", "/workers", "team-a/", "a/b/c", "/"})
    void shouldRejectAKeyThatIsNotNamespaceSlashName(String key) {
        assertThatThrownBy(() -> PoolKey.parse(key))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("pool key");
    }
}
