package io.multisite.gateway;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.BeforeEach;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway of site-a on a real port, in front of the fake sites, with the routing table in the
 * test's hands. All subclasses share one application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "multisite.site=site-a",
        "multisite.kafka.enabled=false",
        "multisite.refresh-wait=300ms",
        "spring.cloud.gateway.server.webflux.httpclient.connect-timeout=2000",
        // Short enough for the timeout test, long enough for a cold JVM on a busy machine.
        "spring.cloud.gateway.server.webflux.httpclient.response-timeout=2s"})
@Import(TestRoutingConfiguration.class)
public abstract class GatewayIntegrationTestSupport {

    protected static final String LOCAL_SITE = "site-a";
    protected static final FakeSites sites = FakeSites.shared();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    protected int port;

    @Autowired
    protected TestRouting routing;

    protected GatewayClient gateway;

    @DynamicPropertySource
    static void fakeSites(DynamicPropertyRegistry registry) {
        sites.register(registry);
    }

    @BeforeEach
    void cleanSlate() {
        sites.reset();
        routing.set(Tables.threeSites());
        gateway = new GatewayClient(port);
    }

    protected static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }

    protected static String header(HttpResponse<String> response, String name) {
        return response.headers().firstValue(name).orElse(null);
    }

    /** An answer the gateway gave itself: the contract's error shape, from this site's gateway. */
    protected static void assertGatewayError(HttpResponse<String> response, int status, String code) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(header(response, "Content-Type")).startsWith("application/json");
        assertThat(header(response, "X-Served-By")).isEqualTo(LOCAL_SITE);
        JsonNode body = json(response);
        assertThat(body.get("error").stringValue()).isEqualTo(code);
        assertThat(body.get("message").stringValue()).isNotBlank();
        if (status == 503) {
            assertThat(header(response, "Retry-After")).isEqualTo("1");
        }
    }
}
