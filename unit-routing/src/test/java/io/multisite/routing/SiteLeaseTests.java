package io.multisite.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SiteLeaseTests {

    private final FakeNanoClock clock = new FakeNanoClock();
    private final SiteLease lease = new SiteLease(Duration.ofSeconds(3), clock);

    @Test
    void isNotHeldBeforeTheFirstAcknowledgedHeartbeat() {
        assertThat(lease.isValid()).isFalse();
        assertThat(lease.remaining()).isZero();
    }

    @Test
    void runsForOneLeaseFromTheSendTime() {
        lease.renewFromSend(clock.nanoTime());
        assertThat(lease.remaining()).isEqualTo(Duration.ofSeconds(3));
        clock.advance(Duration.ofMillis(2999));
        assertThat(lease.isValid()).isTrue();
        clock.advance(Duration.ofMillis(1));
        assertThat(lease.isValid()).isFalse();
    }

    @Test
    void aSlowAckShortensTheLeaseInsteadOfStretchingIt() {
        long sentAt = clock.nanoTime();
        clock.advance(Duration.ofMillis(2500)); // the ack arrives late
        lease.renewFromSend(sentAt);
        assertThat(lease.remaining()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void anAckOfAnOlderHeartbeatNeverMovesTheEndBack() {
        long older = clock.nanoTime();
        clock.advance(Duration.ofSeconds(1));
        long newer = clock.nanoTime();
        lease.renewFromSend(newer);
        lease.renewFromSend(older);
        assertThat(lease.remaining()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void keepsWorkingWhenTheNanoClockWrapsAround() {
        clock.advance(Duration.ofSeconds(4)); // one second before Long.MAX_VALUE
        lease.renewFromSend(clock.nanoTime());
        clock.advance(Duration.ofSeconds(2)); // now past the wrap
        assertThat(lease.isValid()).isTrue();
        assertThat(lease.remaining()).isEqualTo(Duration.ofSeconds(1));
        clock.advance(Duration.ofSeconds(1));
        assertThat(lease.isValid()).isFalse();
    }
}
