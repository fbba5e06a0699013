package io.multisite.gateway;

import java.util.List;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.Units;

/** Routing tables and users for tests. */
public final class Tables {

    public static final List<String> SITES = List.of("site-a", "site-b", "site-c");

    private Tables() {
    }

    /** Epoch 1: units dealt round-robin over site-a, site-b, site-c. */
    public static RoutingTable threeSites() {
        return RoutingTable.initial(SITES, Units.DEFAULT_COUNT);
    }

    /** Epoch 1 with a fourth site, {@link FakeSites#UNREACHABLE}, whose address is a closed port. */
    public static RoutingTable withUnreachableSite() {
        return RoutingTable.initial(List.of("site-a", "site-b", "site-c", FakeSites.UNREACHABLE), Units.DEFAULT_COUNT);
    }

    /** The first of user-0, user-1, ... whose unit {@code site} owns. */
    public static String userOwnedBy(RoutingTable table, String site) {
        return userOwnedBy(table, site, 0);
    }

    /** The {@code skip}-th such user, for tests that need several distinct users of one site. */
    public static String userOwnedBy(RoutingTable table, String site, int skip) {
        int found = 0;
        for (int i = 0; i < 100_000; i++) {
            String user = "user-" + i;
            if (table.owner(Units.DEFAULT.of(user)).equals(site) && found++ == skip) {
                return user;
            }
        }
        throw new IllegalArgumentException("no user is owned by " + site);
    }

    /** A planned move of one unit, as one epoch. */
    public static RoutingTable moved(RoutingTable table, int unit, String toSite) {
        return table.change().fence(unit, toSite).completeMove(unit).apply();
    }

    /** A session token of the shape account-service issues; the gateway never checks the signature. */
    public static String tokenOf(String userId) {
        return userId + "." + java.util.UUID.randomUUID() + "." + (System.currentTimeMillis() / 1000 + 3600)
                + ".c2lnbmF0dXJlLW5vdC1jaGVja2VkLWJ5LXRoZS1nYXRld2F5";
    }
}
