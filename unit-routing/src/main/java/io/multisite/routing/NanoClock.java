package io.multisite.routing;

/**
 * A monotonic clock in nanoseconds. Leases are measured on it, never on wall-clock time, which
 * can jump. Only differences between two readings mean anything.
 */
@FunctionalInterface
public interface NanoClock {

    NanoClock SYSTEM = System::nanoTime;

    long nanoTime();
}
