package io.multisite.account;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * One PostgreSQL container for every test class of the module: the project's own image
 * ({@code deploy/Dockerfile}, target {@code postgres}), so the tests run against the database the
 * sites run. Its entrypoint creates two databases owned by {@code account_service}: {@code accounts}
 * (site-a in most tests) and {@code accounts_b} (site-b in the two-site tests).
 *
 * <p>Started on first use and stopped by a shutdown hook (there is no Ryuk to reap it here). The
 * image is built with {@code docker compose build postgres-a} first (a no-op from cache), so a fresh
 * clone needs nothing but Docker.
 */
public final class TestDatabase {

    public static final String IMAGE = "multisite/postgres:latest";
    public static final String SITE_A_DATABASE = "accounts";
    public static final String SITE_B_DATABASE = "accounts_b";
    public static final String USER = "account_service";
    public static final String PASSWORD = "multisite";

    private static GenericContainer<?> container;

    private TestDatabase() {
    }

    /**
     * Docker is needed. With MULTISITE_REQUIRE_DOCKER=true (CI) its absence fails the test;
     * elsewhere the test is reported as aborted, never as passed.
     */
    public static void requireDocker() {
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            available = false;
        }
        if (!available) {
            if ("true".equalsIgnoreCase(System.getenv("MULTISITE_REQUIRE_DOCKER"))) {
                fail("Docker is required (MULTISITE_REQUIRE_DOCKER=true) but is not available");
            }
            Assumptions.abort("Docker is not available; set MULTISITE_REQUIRE_DOCKER=true to make this a failure");
        }
    }

    public static synchronized String jdbcUrl(String database) {
        start();
        return "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(5432) + "/" + database;
    }

    private static void start() {
        if (container != null) {
            return;
        }
        requireDocker();
        buildImage();
        GenericContainer<?> postgres = new GenericContainer<>(DockerImageName.parse(IMAGE))
                .withEnv("PG_PASSWORD", PASSWORD)
                .withEnv("PG_DATABASES", SITE_A_DATABASE + ":" + USER + " " + SITE_B_DATABASE + ":" + USER)
                // Test data is thrown away: no need to wait for the disk.
                .withCommand("-c", "fsync=off", "-c", "max_connections=200")
                // Compose stamps its project labels onto the images it builds; without this the
                // test database would show up as a container of the demo's `multisite` project.
                .withLabel("com.docker.compose.project", "multisite-account-tests")
                .withLabel("com.docker.compose.service", "test-postgres")
                .withExposedPorts(5432)
                .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(2)));
        postgres.start();
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::stop, "stop-test-postgres"));
        container = postgres;
    }

    /** Always asks compose to build: a no-op from cache, and never a stale image after a change under deploy/. */
    private static void buildImage() {
        Path root = Path.of(System.getProperty("multisite.root", "..")).toAbsolutePath().normalize();
        if (!Files.exists(root.resolve("docker-compose.yml"))) {
            fail("no docker-compose.yml in " + root + " to build " + IMAGE + " from");
        }
        int exit = run(Duration.ofMinutes(15), root, "docker", "compose", "build", "postgres-a");
        if (exit != 0) {
            fail("docker compose build postgres-a exited " + exit);
        }
    }

    /** Runs a command, showing its output only when it runs in a directory (the image build). */
    private static int run(Duration timeout, Path directory, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        if (directory != null) {
            builder.directory(directory.toFile()).redirectOutput(ProcessBuilder.Redirect.INHERIT);
        } else {
            builder.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        }
        try {
            Process process = builder.start();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + timeout);
            }
            return process.exitValue();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
