package io.multisite.testsupport;

import java.util.UUID;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.Units;

/** Fresh user ids whose unit a given site owns in a given table. */
public final class TestUsers {

    private TestUsers() {
    }

    public static String homedAt(String site, String prefix) {
        return homedAt(TestRouting.INITIAL, site, prefix);
    }

    public static String homedAt(RoutingTable table, String site, String prefix) {
        for (int attempt = 0; attempt < 10_000; attempt++) {
            String candidate = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
            if (table.owner(Units.DEFAULT.of(candidate)).equals(site)) {
                return candidate;
            }
        }
        throw new IllegalStateException(site + " owns no unit");
    }
}
