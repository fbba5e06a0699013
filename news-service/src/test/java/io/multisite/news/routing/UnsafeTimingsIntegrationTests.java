package io.multisite.news.routing;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.multisite.news.TestApplication;
import io.multisite.routing.SiteTimings;
import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The instance heartbeats for its site like every other: with timings that break the site's safety, it does not start. */
class UnsafeTimingsIntegrationTests {

    @BeforeAll
    static void requireDocker() {
        Docker.require();
    }

    @Test
    void refusesToStartWhenASiteCouldBeDeclaredDeadWhileItsLeaseLasts() {
        assertThatThrownBy(() -> TestApplication.start("site-a", TestDatabase.NEWS,
                new TestRouting(SiteTimings.DEFAULTS.leaseDuration()), "--multisite.timings.dead-after=3s"))
                .rootCause()
                .hasMessageContaining("unsafe site timings")
                .hasMessageContaining("deadAfter");
    }
}
