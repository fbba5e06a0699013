package io.multisite.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Duration;

import org.junit.jupiter.api.Test;

class SiteTimingsTests {

    private static final SiteTimings D = SiteTimings.DEFAULTS;

    @Test
    void defaultsAreSafe() {
        assertThat(D.violations()).isEmpty();
        assertThat(D.validate()).isSameAs(D);
    }

    @Test
    void refusesALeaseThatABrokerFailoverWouldOutlast() {
        SiteTimings timings = new SiteTimings(D.heartbeatInterval(), Duration.ofMillis(2500), D.deadAfter(),
                D.debitMargin(), D.debitStatementTimeout(), D.brokerSessionTimeout());
        assertThat(timings.violations()).singleElement().asString().contains("losing one broker");
    }

    @Test
    void refusesAStatementTimeoutLongerThanTheDebitMargin() {
        SiteTimings timings = new SiteTimings(D.heartbeatInterval(), D.leaseDuration(), D.deadAfter(),
                D.debitMargin(), Duration.ofMillis(600), D.brokerSessionTimeout());
        assertThat(timings.violations()).singleElement().asString().contains("commit after the lease ended");
    }

    @Test
    void refusesAMarginThatHealthySitesCannotKeep() {
        SiteTimings timings = new SiteTimings(D.heartbeatInterval(), D.leaseDuration(), Duration.ofSeconds(10),
                Duration.ofSeconds(2), D.debitStatementTimeout(), D.brokerSessionTimeout());
        assertThat(timings.violations()).singleElement().asString().contains("refuses debits between heartbeats");
    }

    @Test
    void refusesDeclaringSitesDeadWhileTheirLeaseMayStillRun() {
        SiteTimings timings = new SiteTimings(D.heartbeatInterval(), D.leaseDuration(), Duration.ofMillis(3500),
                D.debitMargin(), D.debitStatementTimeout(), D.brokerSessionTimeout());
        assertThat(timings.violations()).singleElement().asString().contains("partitioned site may still be debiting");
    }

    @Test
    void refusesNonPositiveTimingsAndNamesEveryViolation() {
        SiteTimings timings = new SiteTimings(Duration.ZERO, D.leaseDuration(), D.deadAfter(),
                D.debitMargin(), D.debitStatementTimeout(), Duration.ofMillis(-1));
        assertThat(timings.violations()).anyMatch(v -> v.startsWith("heartbeatInterval must be positive"))
                .anyMatch(v -> v.startsWith("brokerSessionTimeout must be positive"));
        assertThatIllegalStateException().isThrownBy(timings::validate).withMessageStartingWith("unsafe site timings");
    }
}
