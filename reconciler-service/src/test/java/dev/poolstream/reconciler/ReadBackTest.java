package dev.poolstream.reconciler;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** When the reconciler decides and is ready: an assignment's read-back taken in, until the next revocation. */
class ReadBackTest {

    private final ReadBack readBack = new ReadBack();

    @Test
    void shouldBeCaughtUpOnlyOnceACatchUpIsTakenIn() {
        assertThat(readBack.caughtUp()).as("nothing assigned yet").isFalse();
        long announced = readBack.announced();
        assertThat(readBack.caughtUp()).as("announced, not yet taken in").isFalse();

        assertThat(readBack.takeIn(announced)).isTrue();

        assertThat(readBack.caughtUp()).isTrue();
    }

    @Test
    void shouldNotBeCaughtUpFromARevocationOnUntilTheNextCatchUpIsTakenIn() {
        readBack.takeIn(readBack.announced());

        readBack.revoked();

        assertThat(readBack.caughtUp()).isFalse();
        assertThat(readBack.takeIn(readBack.announced())).isTrue();
        assertThat(readBack.caughtUp()).isTrue();
    }

    @Test
    void shouldIgnoreACatchUpAnnouncedBeforeARevocationAndTakenInAfterIt() {
        long beforeTheRebalance = readBack.announced();
        readBack.revoked();

        assertThat(readBack.takeIn(beforeTheRebalance)).isFalse();
        assertThat(readBack.caughtUp()).as("the next assignment is being read back").isFalse();

        long afterIt = readBack.announced();
        readBack.revoked();
        readBack.revoked();
        assertThat(readBack.takeIn(afterIt)).as("two rebalances later").isFalse();
        assertThat(readBack.caughtUp()).isFalse();

        assertThat(readBack.takeIn(readBack.announced())).isTrue();
        assertThat(readBack.takeIn(beforeTheRebalance)).isFalse();
        assertThat(readBack.caughtUp()).as("an old catch-up changes nothing").isTrue();
    }
}
