package io.multisite.account.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.multisite.account.Api;
import io.multisite.account.IntegrationTestSupport;
import io.multisite.testsupport.TestUsers;
import org.junit.jupiter.api.Test;

/** Health groups and Prometheus metrics, tagged with the site and the service. */
class ObservabilityIntegrationTests extends IntegrationTestSupport {

    @Test
    void isNotReadyUntilARoutingTableIsHeld() {
        routing.clear();

        Api.Response withoutTable = api.get("/actuator/health/readiness", null);
        Api.Response alive = api.get("/actuator/health/liveness", null);
        routing.reset();
        Api.Response withTable = api.get("/actuator/health/readiness", null);

        assertThat(withoutTable.status()).isEqualTo(503);
        assertThat(withoutTable.json().path("status").asString()).isEqualTo("DOWN");
        assertThat(alive.status()).as("a missing table is no reason to restart").isEqualTo(200);
        assertThat(withTable.status()).isEqualTo(200);
        assertThat(withTable.json().path("status").asString()).isEqualTo("UP");
        assertThat(withTable.header("X-Served-By")).contains("site-a");
    }

    @Test
    void exportsTransferOutcomesAndGuardRefusalsTaggedWithSiteAndService() {
        String ann = TestUsers.homedAt("site-a", "ann");
        String ben = TestUsers.homedAt("site-a", "ben");
        String token = api.registerAndLogin(ann, 100);
        api.register(ben, 0);
        api.transfer(token, ben, 60, "k1");
        api.transfer(token, ben, 60, "k1");
        api.transfer(token, ben, 60, "k2");
        routing.advance(Duration.ofSeconds(5));
        api.transfer(token, ben, 1, "k3");

        String metrics = api.get("/actuator/prometheus", null).text();

        assertThat(metrics)
                .contains("multisite_transfers_total{outcome=\"ok\",service=\"account-service\",site=\"site-a\"}")
                .contains("multisite_transfers_total{outcome=\"duplicate\",service=\"account-service\",site=\"site-a\"}")
                .contains("multisite_transfers_total{outcome=\"insufficient_funds\",service=\"account-service\",site=\"site-a\"}")
                .contains("multisite_transfers_total{outcome=\"lease_expired\",service=\"account-service\",site=\"site-a\"}")
                .contains("multisite_guard_refusals_total{reason=\"lease_expired\",service=\"account-service\",site=\"site-a\",tier=\"debit\"}");
    }
}
