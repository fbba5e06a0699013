package io.multisite.routing;

import java.time.Duration;

/** A monotonic clock the test moves by hand; starts near the wrap-around to catch raw comparisons. */
final class FakeNanoClock implements NanoClock {

    private long now = Long.MAX_VALUE - Duration.ofSeconds(5).toNanos();

    @Override
    public long nanoTime() {
        return now;
    }

    void advance(Duration duration) {
        now += duration.toNanos();
    }
}
