package io.multisite.gateway.routing;

/**
 * Where a user's request goes: the owner {@code site} of the user's {@code unit}, as the routing
 * table of {@code epoch} (the table the gateway acted under) names it.
 */
public record Placement(String site, int unit, long epoch) {
}
