package io.multisite.systemtests;

import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The three-site deployment, built and brought up once per test JVM and shared by every
 * end-to-end test class; torn down (with its volumes) when the JVM exits, unless
 * MULTISITE_KEEP_RUNNING=true asks to keep it for inspection.
 */
final class Deployment {

    private static final Logger log = LoggerFactory.getLogger(Deployment.class);
    private static Compose compose;

    private Deployment() {
    }

    static synchronized Compose up() {
        Compose.requireDocker();
        if (compose == null) {
            Compose candidate = Compose.forRepository();
            long started = System.nanoTime();
            candidate.compose(Duration.ofMinutes(20), "up", "-d", "--build", "--wait", "--wait-timeout", "600");
            log.info("deployment healthy after {} s (build included)", Duration.ofNanos(System.nanoTime() - started).toSeconds());
            if (!"true".equalsIgnoreCase(System.getenv("MULTISITE_KEEP_RUNNING"))) {
                Runtime.getRuntime().addShutdownHook(new Thread(() ->
                        candidate.run(Duration.ofMinutes(2), null, "down", "-v", "--remove-orphans", "--timeout", "5")));
            }
            compose = candidate;
        }
        return compose;
    }
}
