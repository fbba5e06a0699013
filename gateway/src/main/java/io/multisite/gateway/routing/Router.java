package io.multisite.gateway.routing;

import java.time.Duration;
import java.util.Optional;

import io.multisite.gateway.web.GatewayRefusal;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.SiteState;
import io.multisite.routing.Units;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Decides which site serves a user: the owner of the user's unit in the newest routing table held.
 *
 * <p>The gateway's choice is only a best guess: the services check ownership themselves and answer
 * 421 when they are not the owner. So routing never needs to be perfect, only never blind: without a
 * table, or when the owner is DEAD, nothing is forwarded (503), because the request could only land
 * at a site that must refuse it, or at none.
 */
public final class Router {

    /** How often a request held after a 421 looks for a newer table; cheap, and only during the wait. */
    private static final Duration POLL = Duration.ofMillis(10);

    private final String localSite;
    private final RoutingTableSource source;
    private final Units units;
    private final Duration refreshWait;

    Router(String localSite, RoutingTableSource source, Units units, Duration refreshWait) {
        this.localSite = RoutingTable.requireValidSiteId(localSite);
        this.source = source;
        this.units = units;
        this.refreshWait = refreshWait;
    }

    public String localSite() {
        return localSite;
    }

    public Optional<RoutingTable> current() {
        return source.current();
    }

    /** @throws GatewayRefusal 503 when no table is held or the owner is DEAD */
    public Placement place(String userId) {
        RoutingTable table = source.current().orElseThrow(() -> GatewayRefusal.unavailable("no_routing_table",
                "this gateway has not read a routing table yet"));
        return placeIn(table, units.of(userId));
    }

    /**
     * Where to send a request again after the site chosen for it answered 421 (once: the caller
     * never asks twice for the same request).
     *
     * <ol>
     *   <li>Wait up to the refresh wait for a table newer than both the one the request was routed
     *       by and the one the service said it acts under; if one arrives, its owner is the answer.
     *       A table change reaches every follower within a fraction of a second, so this is
     *       usually how a move is picked up.</li>
     *   <li>If none arrives and the service named an epoch newer than anything held here, its owner
     *       (when this table knows that site and it is not DEAD) is the best information there is.</li>
     *   <li>Otherwise the service is the one behind: the owner stays as the table here says, and the
     *       wait has given the service time to catch up.</li>
     * </ol>
     *
     * Following a service's word cannot put two writers on a unit: each service still checks
     * ownership against its own table before writing.
     */
    public Mono<Placement> afterMisdirected(Placement tried, Misdirection answer) {
        long wanted = Math.max(tried.epoch() + 1, answer.epoch());
        return awaitEpoch(wanted)
                .map(table -> placeIn(table, tried.unit()))
                .switchIfEmpty(Mono.fromSupplier(() -> withoutNewerTable(tried, answer)));
    }

    private Placement withoutNewerTable(Placement tried, Misdirection answer) {
        RoutingTable table = source.current().orElseThrow(() -> GatewayRefusal.unavailable("no_routing_table",
                "this gateway has no routing table"));
        Optional<String> hint = answer.ownerSite();
        if (answer.epoch() > table.epoch() && hint.isPresent() && table.hasSite(hint.get())
                && table.siteState(hint.get()) != SiteState.DEAD) {
            return new Placement(hint.get(), tried.unit(), table.epoch());
        }
        return placeIn(table, tried.unit());
    }

    private Mono<RoutingTable> awaitEpoch(long epoch) {
        return Flux.interval(Duration.ZERO, POLL)
                .map(tick -> source.current())
                .filter(table -> table.isPresent() && table.get().epoch() >= epoch)
                .map(Optional::get)
                .next()
                .timeout(refreshWait, Mono.empty());
    }

    private Placement placeIn(RoutingTable table, int unit) {
        if (table.unitCount() != units.count()) {
            throw GatewayRefusal.unavailable("no_routing_table", "the routing table of epoch " + table.epoch()
                    + " has " + table.unitCount() + " units, this gateway counts " + units.count());
        }
        String owner = table.owner(unit);
        if (table.siteState(owner) == SiteState.DEAD) {
            throw GatewayRefusal.unavailable("site_dead", "unit " + unit + " belongs to " + owner
                    + ", which is DEAD at routing epoch " + table.epoch() + "; its units are being moved");
        }
        return new Placement(owner, unit, table.epoch());
    }
}
