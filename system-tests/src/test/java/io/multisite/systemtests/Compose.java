package io.multisite.systemtests;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives the project's own {@code docker-compose.yml} through the {@code docker compose} CLI,
 * exactly as a person following the README would. The tests run under their own project name
 * so that they never touch a demo someone has running.
 */
final class Compose {

    static final String PROJECT = "multisite-systemtest";

    private static final Logger log = LoggerFactory.getLogger(Compose.class);

    private final Path root;

    Compose(Path root) {
        this.root = root;
    }

    static Compose forRepository() {
        Path root = Path.of(System.getProperty("multisite.root", "..")).toAbsolutePath().normalize();
        if (!Files.exists(root.resolve("docker-compose.yml"))) {
            throw new IllegalStateException("no docker-compose.yml in " + root);
        }
        return new Compose(root);
    }

    /**
     * Docker is needed. Where MULTISITE_REQUIRE_DOCKER=true (CI), its absence fails the run;
     * elsewhere the test is reported as aborted, never as passed.
     */
    static void requireDocker() {
        boolean available;
        try {
            Process info = new ProcessBuilder("docker", "info").redirectErrorStream(true).start();
            info.getInputStream().transferTo(OutputStream.nullOutputStream());
            available = info.waitFor(30, TimeUnit.SECONDS) && info.exitValue() == 0;
        } catch (IOException e) {
            available = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            available = false;
        }
        if (!available) {
            if ("true".equalsIgnoreCase(System.getenv("MULTISITE_REQUIRE_DOCKER"))) {
                fail("Docker is required (MULTISITE_REQUIRE_DOCKER=true) but `docker info` failed");
            }
            Assumptions.abort("Docker is not available; set MULTISITE_REQUIRE_DOCKER=true to make this a failure");
        }
    }

    /** Runs {@code docker compose <args>} and fails the test unless it exits 0. */
    String compose(Duration timeout, String... args) {
        Result result = run(timeout, null, args);
        if (result.exitCode() != 0) {
            fail("docker compose " + String.join(" ", args) + " exited " + result.exitCode() + ":\n" + tail(result.output()));
        }
        return result.output();
    }

    /** The end of a command's output, where the reason for a failure is; build logs are long. */
    static String tail(String output) {
        String[] lines = output.strip().split("\n");
        int from = Math.max(0, lines.length - 40);
        return (from > 0 ? "[... " + from + " lines before]\n" : "") + String.join("\n", List.of(lines).subList(from, lines.length));
    }

    /** Ids of the running containers of this project that carry the label {@code multisite.site=<site>}. */
    String containersOfSite(String site) {
        return docker(Duration.ofMinutes(1), "ps", "-q", "--filter", "label=com.docker.compose.project=" + PROJECT,
                "--filter", "label=multisite.site=" + site);
    }

    /** Runs {@code docker <args>} and fails the test unless it exits 0. */
    String docker(Duration timeout, String... args) {
        Result result = runCommand(timeout, null, prepend(List.of("docker"), args));
        if (result.exitCode() != 0) {
            fail("docker " + String.join(" ", args) + " exited " + result.exitCode() + ":\n" + tail(result.output()));
        }
        return result.output();
    }

    /** Runs a command in a service's container, failing the test unless it exits 0. */
    String exec(String service, String... command) {
        Result result = execResult(service, null, command);
        if (result.exitCode() != 0) {
            fail(service + "$ " + String.join(" ", command) + " exited " + result.exitCode() + ":\n" + tail(result.output()));
        }
        return result.output();
    }

    /**
     * {@code docker exec} on the service's container rather than {@code docker compose exec}: the
     * same effect without loading the compose project each time, which on a busy two-core machine
     * made every poll of a test several times more expensive.
     */
    Result execResult(String service, String stdin, String... command) {
        List<String> args = new ArrayList<>(List.of("docker", "exec"));
        if (stdin != null) {
            args.add("-i");
        }
        args.add(PROJECT + "-" + service + "-1");
        args.addAll(List.of(command));
        return runCommand(Duration.ofMinutes(2), stdin, args);
    }

    /**
     * {@code deploy/chaos.sh <args>} against this project, as an operator runs it against the demo;
     * fails the test unless it exits 0.
     */
    String chaos(String... args) {
        List<String> command = prepend(List.of(root.resolve("deploy/chaos.sh").toString()), args);
        Result result = runCommand(Duration.ofMinutes(12), null, command, Map.of("COMPOSE_PROJECT_NAME", PROJECT));
        if (result.exitCode() != 0) {
            fail("chaos.sh " + String.join(" ", args) + " exited " + result.exitCode() + ":\n" + tail(result.output()));
        }
        return result.output();
    }

    Result run(Duration timeout, String stdin, String... args) {
        return runCommand(timeout, stdin, prepend(List.of("docker", "compose", "-p", PROJECT, "-f", root.resolve("docker-compose.yml").toString()), args));
    }

    private static List<String> prepend(List<String> head, String... args) {
        List<String> command = new ArrayList<>(head);
        command.addAll(List.of(args));
        return command;
    }

    private Result runCommand(Duration timeout, String stdin, List<String> command) {
        return runCommand(timeout, stdin, command, Map.of());
    }

    private Result runCommand(Duration timeout, String stdin, List<String> command, Map<String, String> environment) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true);
            builder.environment().putAll(environment);
            Process process = builder.start();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
            try (OutputStream in = process.getOutputStream()) {
                if (stdin != null) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish within " + timeout);
            }
            return new Result(process.exitValue(), output.join());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String readAll(InputStream stream) {
        try {
            ByteArrayOutputStream buffer = new ByteArrayOutputStream();
            stream.transferTo(buffer);
            return buffer.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    record Result(int exitCode, String output) {
    }
}
