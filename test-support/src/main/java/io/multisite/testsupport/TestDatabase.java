package io.multisite.testsupport;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * PostgreSQL containers for tests, one per test JVM unless a test asks for more ({@link #server}): the project's own image
 * ({@code deploy/Dockerfile}, target {@code postgres}), so the tests run against the database the
 * sites run. Its entrypoint creates every database of {@link #DATABASES}, each owned by its
 * service's role, as compose does for a site; the {@code _b} copies stand for a second site in
 * tests that run two instances or compare two replicas.
 *
 * <p>Started on first use and stopped by a shutdown hook (there is no Ryuk to reap it here). The
 * image is built with {@code docker compose build postgres-a} first (a no-op from cache), so a fresh
 * clone needs nothing but Docker. The build runs from the repository root, the system property
 * {@code multisite.root} (set by each module's Surefire configuration).
 */
public final class TestDatabase {

    public static final String IMAGE = "multisite/postgres:latest";
    /** The password of every role of the container, as in the compose demo. */
    public static final String PASSWORD = "multisite";

    public static final String ACCOUNTS = "accounts";
    public static final String ACCOUNTS_B = "accounts_b";
    public static final String NEWS = "news";
    public static final String NEWS_B = "news_b";

    /** Database name to owner role; a new service's database is one more line here. */
    public static final Map<String, String> DATABASES = databases(
            ACCOUNTS, "account_service",
            ACCOUNTS_B, "account_service",
            NEWS, "news_service",
            NEWS_B, "news_service");

    private static final Map<String, Server> SERVERS = new LinkedHashMap<>();

    private TestDatabase() {
    }

    /** Starts the container on first use. */
    public static synchronized String jdbcUrl(String database) {
        return server("default").jdbcUrl(database);
    }

    /**
     * A PostgreSQL server of its own, started on first use: what a test of several sites takes,
     * one per site, so that each has its own replication slots and its own restarts.
     */
    public static synchronized Server server(String name) {
        Server server = SERVERS.get(name);
        if (server == null) {
            Docker.require();
            buildImage();
            server = new Server(name);
            SERVERS.put(name, server);
        }
        return server;
    }

    /** The role that owns the database: the one its service connects as (password {@link #PASSWORD}). */
    public static String owner(String database) {
        String owner = DATABASES.get(database);
        if (owner == null) {
            throw new IllegalArgumentException("the test database has no database " + database + "; it has " + DATABASES.keySet());
        }
        return owner;
    }

    /** The entrypoint's PG_DATABASES: space-separated {@code database:owner} pairs. */
    static String pgDatabases() {
        return DATABASES.entrySet().stream().map(e -> e.getKey() + ":" + e.getValue()).collect(Collectors.joining(" "));
    }

    /** One container. Its host port is fixed at creation, so its URLs stay valid across {@link #restart()}. */
    public static final class Server {

        private final GenericContainer<?> container;
        private final int port;

        private Server(String name) {
            this.port = freePort();
            GenericContainer<?> postgres = new GenericContainer<>(DockerImageName.parse(IMAGE))
                    .withEnv("PG_PASSWORD", PASSWORD)
                    .withEnv("PG_DATABASES", pgDatabases())
                    // Test data is thrown away: no need to wait for the disk.
                    .withCommand("-c", "fsync=off", "-c", "max_connections=200")
                    // Compose stamps its project labels onto the images it builds; without this the
                    // test database would show up as a container of the demo's `multisite` project.
                    .withLabel("com.docker.compose.project", "multisite-tests")
                    .withLabel("com.docker.compose.service", "test-postgres-" + name)
                    .withExposedPorts(5432)
                    .withCreateContainerCmdModifier(create -> create.getHostConfig()
                            .withPortBindings(new PortBinding(Ports.Binding.bindPort(port), new ExposedPort(5432))))
                    .waitingFor(Wait.forHealthcheck().withStartupTimeout(Duration.ofMinutes(2)));
            postgres.start();
            Runtime.getRuntime().addShutdownHook(new Thread(postgres::stop, "stop-test-postgres-" + name));
            this.container = postgres;
        }

        public String jdbcUrl(String database) {
            owner(database);
            return "jdbc:postgresql://" + container.getHost() + ":" + port + "/" + database;
        }

        /**
         * Restarts PostgreSQL (the whole container, as an operator or a crash would) and returns once
         * it accepts connections again.
         */
        public void restart() {
            container.getDockerClient().restartContainerCmd(container.getContainerId()).withTimeout(10).exec();
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (!accepting()) {
                if (System.nanoTime() > deadline) {
                    fail("PostgreSQL did not come back within 2 minutes of a restart");
                }
                try {
                    // Poll interval of the pg_isready condition above, bounded by the deadline.
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        }

        private boolean accepting() {
            try {
                var result = container.execInContainer("pg_isready", "-h", "127.0.0.1", "-q");
                return result.getExitCode() == 0;
            } catch (Exception e) {
                return false;
            }
        }

        private static int freePort() {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
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

    /** Runs a command in a directory, its output going to the test log. */
    private static int run(Duration timeout, Path directory, String... command) {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .directory(directory.toFile())
                .redirectOutput(ProcessBuilder.Redirect.INHERIT);
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

    private static Map<String, String> databases(String... pairs) {
        Map<String, String> databases = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            databases.put(pairs[i], pairs[i + 1]);
        }
        return Collections.unmodifiableMap(databases);
    }
}
