package io.multisite.account.routing;

import io.multisite.routing.UnitState;

/**
 * A user's unit as the routing table held here describes it.
 *
 * @param epoch     the table's epoch, 0 when no table is held yet
 * @param homeSite  the unit's owner, null when no table is held yet
 * @param unitState the unit's state, null when no table is held yet
 */
public record RoutingView(int unit, long epoch, String homeSite, UnitState unitState) {
}
