package io.multisite.routing;

/**
 * A refused write: the reason, the unit, the epoch of the table it was judged under (0 when there
 * was none) and the owner that table names (null when there was none).
 */
public record Refusal(RefusalReason reason, int unit, long epoch, String owner, String message) {
}
