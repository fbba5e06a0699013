package io.multisite.gateway.routing;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.multisite.gateway.web.GatewayRefusal;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.Units;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouterTests {

    private static final Duration REFRESH_WAIT = Duration.ofMillis(200);
    private static final Misdirection SAID_NOTHING = Misdirection.of(null, null);

    private volatile RoutingTable table = RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64);
    private final Router router = new Router("site-a", () -> Optional.ofNullable(table), Units.DEFAULT, REFRESH_WAIT);

    private String userOwnedBy(String site) {
        for (int i = 0; ; i++) {
            if (table.owner(Units.DEFAULT.of("u" + i)).equals(site)) {
                return "u" + i;
            }
        }
    }

    private Placement afterMisdirected(Placement tried, Misdirection answer) {
        return router.afterMisdirected(tried, answer).block(Duration.ofSeconds(5));
    }

    @Test
    void aUserIsPlacedAtTheOwnerOfItsUnit() {
        String user = userOwnedBy("site-b");

        assertThat(router.place(user)).isEqualTo(new Placement("site-b", Units.DEFAULT.of(user), 1));
    }

    @Test
    void withoutATableNothingIsPlaced() {
        table = null;

        assertThatThrownBy(() -> router.place("alice")).isInstanceOfSatisfying(GatewayRefusal.class,
                refusal -> assertThat(refusal.code()).isEqualTo("no_routing_table"));
    }

    @Test
    void aUserOfADeadSiteIsNotPlaced() {
        String user = userOwnedBy("site-b");
        table = table.markDead("site-b");

        assertThatThrownBy(() -> router.place(user)).isInstanceOfSatisfying(GatewayRefusal.class,
                refusal -> assertThat(refusal.code()).isEqualTo("site_dead"));
    }

    @Test
    void aTableWithAnotherUnitCountIsNotUsed() {
        table = RoutingTable.initial(List.of("site-a"), 16);

        assertThatThrownBy(() -> router.place("alice")).isInstanceOfSatisfying(GatewayRefusal.class,
                refusal -> assertThat(refusal.code()).isEqualTo("no_routing_table"));
    }

    @Test
    void aNewerTableDecidesWhereAMisdirectedRequestGoes() {
        String user = userOwnedBy("site-b");
        Placement tried = router.place(user);
        table = table.change().fence(tried.unit(), "site-c").completeMove(tried.unit()).apply();

        assertThat(afterMisdirected(tried, Misdirection.of("site-a", "2")))
                .isEqualTo(new Placement("site-c", tried.unit(), 2));
    }

    @Test
    void aTableThatArrivesDuringTheWaitIsUsed() {
        String user = userOwnedBy("site-b");
        Placement tried = router.place(user);
        RoutingTable moved = table.change().fence(tried.unit(), "site-c").completeMove(tried.unit()).apply();
        Mono.delay(Duration.ofMillis(50)).subscribe(tick -> table = moved);

        assertThat(afterMisdirected(tried, SAID_NOTHING).site()).isEqualTo("site-c");
    }

    @Test
    void withoutANewerTableTheOwnerNamedByAServiceThatIsAheadIsUsed() {
        Placement tried = router.place(userOwnedBy("site-b"));

        assertThat(afterMisdirected(tried, Misdirection.of("site-c", "4")))
                .isEqualTo(new Placement("site-c", tried.unit(), 1));
    }

    @Test
    void theOwnerNamedByAServiceThatIsBehindIsIgnoredAfterTheWait() {
        Placement tried = router.place(userOwnedBy("site-b"));

        long started = System.nanoTime();
        Placement next = afterMisdirected(tried, Misdirection.of("site-c", "1"));

        assertThat(next).isEqualTo(tried);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(REFRESH_WAIT.minusMillis(20));
    }

    @Test
    void anUnknownOrDeadSiteNamedByAServiceIsIgnored() {
        table = table.markDead("site-c");
        Placement tried = router.place(userOwnedBy("site-b"));

        assertThat(afterMisdirected(tried, Misdirection.of("site-z", "9")).site()).isEqualTo("site-b");
        assertThat(afterMisdirected(tried, Misdirection.of("site-c", "9")).site()).isEqualTo("site-b");
        assertThat(afterMisdirected(tried, Misdirection.of("http://evil/", "9")).site()).isEqualTo("site-b");
    }
}
