package io.multisite.routing;

/** Who may write a unit, as recorded in the routing table. */
public enum UnitState {
    /** The owner takes every write. */
    ACTIVE,
    /** Nobody writes: a planned move is in flight and waits for the new owner to catch up. */
    FENCED,
    /**
     * The owner took the unit over after its previous site died. Tolerant writes and credits are
     * accepted; debits wait until the dead site's tail is reconciled or an operator accepts the loss.
     */
    RECOVERING
}
