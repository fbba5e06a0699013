package io.multisite.account.routing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multisite.account.TestApplication;
import io.multisite.account.TestDatabase;
import io.multisite.account.TestRouting;
import io.multisite.routing.SiteTimings;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A deployment whose timings would allow two debit writers does not start. */
class UnsafeTimingsIntegrationTests {

    @BeforeAll
    static void requireDocker() {
        TestDatabase.requireDocker();
    }

    @Test
    void refusesToStartWhenASiteCouldBeDeclaredDeadWhileItsLeaseLasts() {
        assertThatThrownBy(() -> TestApplication.start("site-a", TestDatabase.SITE_A_DATABASE,
                new TestRouting(SiteTimings.DEFAULTS.leaseDuration()), "--multisite.timings.dead-after=3s"))
                .rootCause()
                .hasMessageContaining("unsafe site timings")
                .hasMessageContaining("deadAfter");
    }
}
