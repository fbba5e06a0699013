package io.multisite.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;

/** Whether a test that needs Docker may run. */
public final class Docker {

    /** The environment variable that turns a missing Docker into a failure (set by .ci/run). */
    public static final String REQUIRE_DOCKER = "MULTISITE_REQUIRE_DOCKER";

    private Docker() {
    }

    /**
     * Docker is needed. With MULTISITE_REQUIRE_DOCKER=true (CI) its absence fails the test;
     * elsewhere the test is reported as aborted, never as passed.
     */
    public static void require() {
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            available = false;
        }
        if (!available) {
            if ("true".equalsIgnoreCase(System.getenv(REQUIRE_DOCKER))) {
                fail("Docker is required (" + REQUIRE_DOCKER + "=true) but is not available");
            }
            Assumptions.abort("Docker is not available; set " + REQUIRE_DOCKER + "=true to make this a failure");
        }
    }
}
