package io.multisite.controller.catchup;

import java.util.Optional;
import java.util.OptionalLong;

import io.multisite.routing.PositionReport;

/** What the controller knows about replication progress; see {@link PositionReport}. */
public interface CatchUp {

    /** The latest position {@code site} reported for its own database. */
    Optional<PositionReport> ownPosition(String site, String database);

    /** How far {@code site} has applied {@code origin}'s changes to {@code database}. */
    OptionalLong watermark(String site, String origin, String database);
}
