package io.multisite.account.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

import io.multisite.account.TestApplication;
import io.multisite.routing.SiteTimings;
import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.io.ClassPathResource;

/** Under the prod profile, the service does not start with a session secret anyone could know. */
class ProductionSecretIntegrationTests {

    @BeforeAll
    static void requireDocker() {
        Docker.require();
    }

    @Test
    void theDevelopmentDefaultIsTheOneInApplicationYml() throws IOException {
        String yml = new ClassPathResource("application.yml").getContentAsString(StandardCharsets.UTF_8);

        assertThat(yml).contains("${SESSION_SECRET:" + SessionProperties.DEVELOPMENT_SECRET + "}");
    }

    @Test
    void refusesToStartUnderTheProdProfileWithTheDevelopmentSecret() {
        assertThatThrownBy(() -> start("--multisite.session.secret=" + SessionProperties.DEVELOPMENT_SECRET))
                .rootCause()
                .hasMessageContaining("SESSION_SECRET is the development default");
    }

    @Test
    void refusesToStartUnderTheProdProfileWithAShortSecret() {
        assertThatThrownBy(() -> start("--multisite.session.secret=only-thirty-one-bytes-long-----"))
                .rootCause()
                .hasMessageContaining("shorter than 32 bytes");
    }

    @Test
    void startsUnderTheProdProfileWithAStrongSecret() {
        try (ConfigurableApplicationContext context = start("--multisite.session.secret=" + "s".repeat(32))) {
            assertThat(context.isRunning()).isTrue();
        }
    }

    private static ConfigurableApplicationContext start(String secret) {
        return TestApplication.start("site-a", TestDatabase.ACCOUNTS,
                new TestRouting(SiteTimings.DEFAULTS.leaseDuration()), "--spring.profiles.active=prod", secret);
    }
}
