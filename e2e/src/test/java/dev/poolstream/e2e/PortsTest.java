package dev.poolstream.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void shouldNeverHandOutAPortTwiceWhenTheSystemOffersItAgain() throws IOException {
        Iterator<Integer> offered = List.of(37043, 37043, 37044, 37043, 37045).iterator();
        Ports ports = new Ports(offered::next);

        assertThat(List.of(ports.next(), ports.next(), ports.next())).containsExactly(37043, 37044, 37045);
    }

    @Test
    void shouldSaySoWhenTheSystemOffersOnlyPortsHandedOutAlready() throws IOException {
        Ports ports = new Ports(() -> 37043);
        ports.next();

        assertThatThrownBy(ports::next).isInstanceOf(IOException.class).hasMessageContaining("handed out already");
    }

    @Test
    void shouldFindRealFreePorts() throws IOException {
        Ports ports = new Ports();

        assertThat(ports.next()).isNotEqualTo(ports.next()).isPositive();
    }
}
