package io.multisite.account.routing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multisite.account.TestApplication;
import io.multisite.routing.SiteTimings;
import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A deployment whose timings would allow two debit writers does not start. */
class UnsafeTimingsIntegrationTests {

    @BeforeAll
    static void requireDocker() {
        Docker.require();
    }

    @Test
    void refusesToStartWhenASiteCouldBeDeclaredDeadWhileItsLeaseLasts() {
        assertThatThrownBy(() -> TestApplication.start("site-a", TestDatabase.ACCOUNTS,
                new TestRouting(SiteTimings.DEFAULTS.leaseDuration()), "--multisite.timings.dead-after=3s"))
                .rootCause()
                .hasMessageContaining("unsafe site timings")
                .hasMessageContaining("deadAfter");
    }
}
