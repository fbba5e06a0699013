package io.multisite.testsupport;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import io.multisite.routing.NanoClock;

/** A nano clock that moves only when told to, so lease expiry is a step of the test, not a wait. */
public final class FakeNanoClock implements NanoClock {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Override
    public long nanoTime() {
        return now.get();
    }

    public void advance(Duration duration) {
        now.addAndGet(duration.toNanos());
    }
}
