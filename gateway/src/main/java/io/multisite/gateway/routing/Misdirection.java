package io.multisite.gateway.routing;

import java.util.Optional;

import io.multisite.routing.RoutingTable;

/**
 * What a service said when it answered 421: the owner it believes in ({@code X-Owner-Site}) and the
 * epoch of the table it believes it under ({@code X-Routing-Epoch}, 0 when it did not say).
 */
public record Misdirection(Optional<String> ownerSite, long epoch) {

    /** Reads the two headers; values that are not a site id or an epoch count as not said. */
    public static Misdirection of(String ownerSiteHeader, String epochHeader) {
        Optional<String> owner = Optional.ofNullable(ownerSiteHeader).map(String::trim).filter(Misdirection::isSiteId);
        long epoch = 0;
        if (epochHeader != null) {
            try {
                epoch = Math.max(0, Long.parseLong(epochHeader.trim()));
            } catch (NumberFormatException e) {
                epoch = 0;
            }
        }
        return new Misdirection(owner, epoch);
    }

    private static boolean isSiteId(String site) {
        try {
            RoutingTable.requireValidSiteId(site);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
