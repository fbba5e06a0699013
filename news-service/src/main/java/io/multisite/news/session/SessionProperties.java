package io.multisite.news.session;

import java.nio.charset.StandardCharsets;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * @param secret the HMAC key of session tokens (SESSION_SECRET). account-service issues the
 *               tokens; this service only verifies them, so it must have the same secret.
 */
@ConfigurationProperties("multisite.session")
record SessionProperties(String secret) {

    /** The default of application.yml: good for a laptop, refused under the {@code prod} profile. */
    static final String DEVELOPMENT_SECRET = "development-only-session-secret-never-use-in-production";

    static final int MIN_PRODUCTION_SECRET_BYTES = 32;

    SessionProperties {
        if (secret == null || secret.isEmpty()) {
            throw new IllegalStateException("multisite.session.secret (SESSION_SECRET) must be set");
        }
    }

    /** @throws IllegalStateException when the secret would let anyone who read the sources forge tokens */
    void requireProductionSecret() {
        if (DEVELOPMENT_SECRET.equals(secret)) {
            throw new IllegalStateException("the prod profile is active but SESSION_SECRET is the development default");
        }
        if (secret.getBytes(StandardCharsets.UTF_8).length < MIN_PRODUCTION_SECRET_BYTES) {
            throw new IllegalStateException("the prod profile is active but SESSION_SECRET is shorter than "
                    + MIN_PRODUCTION_SECRET_BYTES + " bytes");
        }
    }
}
