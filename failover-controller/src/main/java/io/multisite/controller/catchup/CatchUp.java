package io.multisite.controller.catchup;

import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Consumer;

import io.multisite.routing.PositionReport;

/** What the controller knows about replication progress; see {@link PositionReport}. */
public interface CatchUp {

    /** The latest position {@code site} reported for its own database. */
    Optional<PositionReport> ownPosition(String site, String database);

    /**
     * The own positions {@code site} reported for {@code database} most recently, oldest first: a
     * short history (the latest alone moves on every report, so a watermark chasing it might never
     * be seen to pass it).
     */
    List<PositionReport> recentOwnPositions(String site, String database);

    /** How far {@code site} has applied {@code origin}'s changes to {@code database}. */
    OptionalLong watermark(String site, String origin, String database);

    /**
     * Calls {@code listener} with every report once it is taken into account, on the thread that
     * reads them; the listener must hand off rather than block.
     */
    void addListener(Consumer<PositionReport> listener);
}
