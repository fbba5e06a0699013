package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code deploy/chaos.sh} against a miniature project of its own: two sites of idle containers
 * built from the project's images, labelled and networked the way docker-compose.yml does it.
 * The shared compose deployment is never touched (only its images are used), so these tests
 * take seconds, not minutes.
 *
 * <pre>
 *   site-x:  svc-x  (site-x LAN + wan, alias svc-site-x)
 *   site-y:  svc-y  (site-y LAN + wan, alias svc-site-y; serves 256 KB on port 7001)
 *            db-y   (site-y LAN only, like postgres)
 * </pre>
 */
@Order(3)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChaosToolIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(ChaosToolIntegrationTests.class);

    /** Images with bash, iproute2 and iptables (deploy/Dockerfile, stage jre); the first present is used. */
    private static final List<String> IMAGES = List.of("multisite/account-service:latest", "multisite/kafka:latest",
            "multisite/news-service:latest", "multisite/failover-controller:latest", "multisite/replication:latest");
    private static final String PROJECT = "chaostest-" + HexFormat.of().formatHex(randomBytes());
    private static final String WAN = PROJECT + "_wan";
    private static final String SVC_X = PROJECT + "-svc-x-1";
    private static final String SVC_Y = PROJECT + "-svc-y-1";
    private static final String DB_Y = PROJECT + "-db-y-1";
    private static final int PAYLOAD_PORT = 7001;
    private static final int PAYLOAD_BYTES = 256 * 1024;
    private static final int COUNTED_PORT = 9999;
    private static final Pattern RESULT = Pattern.compile("result=(\\S+)");

    private static Path root;
    private static Path runtimeDir;

    @BeforeAll
    static void startMiniatureProject() throws IOException {
        // The shared deployment builds the images the miniature project is made of.
        Deployment.up();
        root = Path.of(System.getProperty("multisite.root", "..")).toAbsolutePath().normalize();
        // The tool's partition records go here, not into the machine's shared runtime dir.
        runtimeDir = Files.createTempDirectory("chaos-runtime");
        String image = IMAGES.stream().filter(i -> run(Duration.ofMinutes(1), "docker", "image", "inspect", i).exitCode() == 0)
                .findFirst()
                .orElseThrow(() -> new AssertionError("none of " + IMAGES + " is built"));
        log.info("project {} from image {}", PROJECT, image);
        for (String network : List.of("wan", "site-x", "site-y")) {
            docker("network", "create", "--label", "com.docker.compose.project=" + PROJECT, PROJECT + "_" + network);
        }
        startContainer(image, "svc-x", "site-x", true);
        startContainer(image, "svc-y", "site-y", true);
        startContainer(image, "db-y", "site-y", false);
        docker("network", "connect", "--alias", "svc-x", "--alias", "svc-site-x", WAN, SVC_X);
        docker("network", "connect", "--alias", "svc-y", "--alias", "svc-site-y", WAN, SVC_Y);
    }

    @AfterAll
    static void removeMiniatureProject() throws IOException {
        if (root == null) {
            return;
        }
        String ids = run(Duration.ofMinutes(1), "docker", "ps", "-aq", "--filter", "label=com.docker.compose.project=" + PROJECT).output().strip();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("docker", "rm", "-f"));
            rm.addAll(List.of(ids.split("\\s+")));
            run(Duration.ofMinutes(2), rm.toArray(String[]::new));
        }
        for (String network : List.of("wan", "site-x", "site-y")) {
            run(Duration.ofMinutes(1), "docker", "network", "rm", PROJECT + "_" + network);
        }
        if (runtimeDir != null) {
            try (var files = Files.walk(runtimeDir)) {
                files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Every test starts from a quiet WAN, whatever the one before left behind. */
    @AfterEach
    void quietWan() {
        chaos("heal", "site-y");
        if (run(Duration.ofMinutes(1), "docker", "inspect", "-f", "{{.State.Running}}", SVC_Y).output().strip().equals("true")) {
            chaos("wan", "site-y", "off");
        }
    }

    @Test
    @Order(1)
    void printsUsageAndFailsWithoutArguments() {
        Result none = chaos();
        assertThat(none.exitCode()).as(none.output()).isEqualTo(2);
        assertThat(none.output()).containsIgnoringCase("usage").contains("partition <site>").contains("wan <site> lossy <percent>");

        for (List<String> bad : List.of(List.of("explode", "site-y"), List.of("wan", "site-y", "lossy", "a lot"),
                List.of("wan", "site-y", "lossy", "101"), List.of("wan", "site-y", "bandwidth", "fast"),
                List.of("wan", "site-y", "latency", "moon"), List.of("kill"))) {
            Result result = chaos(bad.toArray(String[]::new));
            assertThat(result.exitCode()).as("%s: %s", bad, result.output()).isEqualTo(2);
            assertThat(result.output()).as("%s", bad).containsIgnoringCase("usage");
        }
    }

    @Test
    @Order(2)
    void lossyDropsAboutThatShareOfIncomingWanPackets() {
        // Counts what gets past the tool's rule: appended, so it sits after the rule the tool
        // inserts at the top of INPUT, and it only counts (no target).
        exec(SVC_Y, "iptables -w -A INPUT -p udp --dport " + COUNTED_PORT + " -m comment --comment chaos-test-survivors");

        Result first = chaos("wan", "site-y", "lossy", "50");
        assertThat(first.exitCode()).as(first.output()).isZero();
        Result lossy = chaos("wan", "site-y", "lossy", "30");
        assertThat(lossy.exitCode()).as(lossy.output()).isZero();
        assertThat(lossy.output()).contains(SVC_Y + ": ").contains("drops 30% of incoming packets").doesNotContain(SVC_X);
        assertThat(count(exec(SVC_Y, "iptables -w -S INPUT"), "--comment multisite-chaos")).as("30% replaced 50%").isEqualTo(1);
        assertThat(chaos("status", "site-y").output()).containsPattern(Pattern.quote(SVC_Y) + " running wan=eth\\d+/\\S+ loss=30%");

        int sent = 2000;
        exec(SVC_Y, "iptables -w -Z INPUT");
        sendDatagrams(sent);
        Map<String, Long> counters = inputCounters();
        long survived = counters.get("chaos-test-survivors");
        long dropped = counters.get("multisite-chaos");
        double loss = 1.0 - (double) survived / sent;
        log.info("lossy 30%: {} of {} datagrams arrived, {} dropped by the chaos rule: {} loss", survived, sent, dropped, loss);
        // 2000 draws at p=0.3: sd ~1 percentage point, so 22..38 % is eight sd wide.
        assertThat(loss).isBetween(0.22, 0.38);
        assertThat(survived + dropped).as("every datagram reached the WAN interface and met the rule").isBetween(sent - 5L, sent + 5L);

        Result off = chaos("wan", "site-y", "off");
        assertThat(off.exitCode()).as(off.output()).isZero();
        assertThat(off.output()).contains(SVC_Y + ": eth").contains("removed 1 loss rule(s)");
        assertThat(exec(SVC_Y, "iptables -w -S INPUT")).doesNotContain("multisite-chaos").contains("chaos-test-survivors");

        exec(SVC_Y, "iptables -w -Z INPUT");
        sendDatagrams(sent);
        long afterOff = inputCounters().get("chaos-test-survivors");
        assertThat(1.0 - (double) afterOff / sent).as("loss after off").isLessThanOrEqualTo(0.01);
        exec(SVC_Y, "iptables -w -D INPUT -p udp --dport " + COUNTED_PORT + " -m comment --comment chaos-test-survivors");
    }

    @Test
    @Order(3)
    void bandwidthCapsTheWanInterface() {
        servePayload();
        long uncapped = fetchPayloadMillis("svc-site-y");
        assertThat(uncapped).as("256 KB over the uncapped WAN").isLessThan(1000);

        Result cap = chaos("wan", "site-y", "bandwidth", "1mbit");
        assertThat(cap.exitCode()).as(cap.output()).isZero();
        assertThat(cap.output()).contains(SVC_Y + ": eth").contains("tbf").doesNotContain(SVC_X);
        String wanInterface = wanInterface(SVC_Y);
        assertThat(exec(SVC_Y, "tc qdisc show dev " + wanInterface + " root")).contains("qdisc tbf").contains("rate 1Mbit");

        long capped = fetchPayloadMillis("svc-site-y");
        log.info("256 KB out of site-y: {} ms uncapped, {} ms at 1mbit", uncapped, capped);
        // 256 KB at 125 KB/s is ~2 s once the 16 KB bucket is spent.
        assertThat(capped).isGreaterThanOrEqualTo(1500);

        Result off = chaos("wan", "site-y", "off");
        assertThat(off.exitCode()).as(off.output()).isZero();
        assertThat(off.output()).contains("root qdisc (tbf");
        assertThat(exec(SVC_Y, "tc qdisc show dev " + wanInterface + " root")).doesNotContain("tbf");
        assertThat(fetchPayloadMillis("svc-site-y")).as("after off").isLessThan(1000);
    }

    @Test
    @Order(4)
    void latencyProfilesRefuseAndChangeNothingWithoutNetem() {
        // A cap set beforehand: a refused profile must leave it exactly where it was.
        assertThat(chaos("wan", "site-y", "bandwidth", "5mbit").exitCode()).isZero();
        Map<String, String> before = Map.of(SVC_X, networkState(SVC_X), SVC_Y, networkState(SVC_Y));

        Result latency = chaos("wan", "site-y", "latency", "cross-city");
        if (!kernelHasNetem()) {
            assertThat(latency.exitCode()).as(latency.output()).isEqualTo(3);
            assertThat(latency.output())
                    .contains("this kernel has no netem qdisc (sch_netem): latency profiles unavailable, nothing changed");
            before.forEach((container, state) -> assertThat(networkState(container)).as(container).isEqualTo(state));
            assertThat(before.get(SVC_Y)).contains("qdisc tbf");
        } else {
            // Hosts with netem: the profile is applied, and measured, and `off` takes it away.
            assertThat(latency.exitCode()).as(latency.output()).isZero();
            assertThat(exec(SVC_Y, "tc qdisc show dev " + wanInterface(SVC_Y) + " root")).contains("netem").contains("delay 50");
            long delayed = minConnectMillis();
            assertThat(delayed).as("TCP handshake RTT to cross-city site-y").isBetween(40L, 500L);
            assertThat(chaos("wan", "site-y", "off").exitCode()).isZero();
            assertThat(minConnectMillis()).as("RTT after off").isLessThan(20L);
        }
    }

    @Test
    @Order(5)
    void partitionCutsTheSiteOffTheWanAndHealRestoresItsNames() {
        servePayload();
        String wanAddress = inspect(SVC_Y, "{{(index .NetworkSettings.Networks \"" + WAN + "\").IPAddress}}");
        assertThat(reachable(SVC_X, "svc-site-y")).isTrue();
        assertThat(reachable(SVC_X, "svc-y")).isTrue();

        Result partition = chaos("partition", "site-y");
        assertThat(partition.exitCode()).as(partition.output()).isZero();
        assertThat(partition.output())
                .contains("disconnected " + SVC_Y + " from " + WAN)
                .contains(DB_Y + " is not on " + WAN)
                .doesNotContain(SVC_X);
        assertThat(reachable(SVC_X, "svc-site-y")).as("by alias across the WAN").isFalse();
        assertThat(reachable(SVC_X, "svc-y")).as("by host name across the WAN").isFalse();
        assertThat(reachable(SVC_X, wanAddress)).as("by its former WAN address").isFalse();
        assertThat(reachable(DB_Y, "svc-y")).as("on the site-y LAN").isTrue();
        assertThat(chaos("status", "site-y").output()).contains(SVC_Y + " running wan=partitioned");

        Result again = chaos("partition", "site-y");
        assertThat(again.exitCode()).as(again.output()).isZero();
        assertThat(again.output()).contains(SVC_Y + " already off " + WAN);

        Result heal = chaos("heal", "site-y");
        assertThat(heal.exitCode()).as(heal.output()).isZero();
        assertThat(heal.output()).contains("reconnected " + SVC_Y + " to " + WAN).contains("svc-site-y");
        assertThat(inspect(SVC_Y, "{{json (index .NetworkSettings.Networks \"" + WAN + "\").Aliases}}"))
                .contains("\"svc-y\"").contains("\"svc-site-y\"");
        assertThat(reachable(SVC_X, "svc-site-y")).as("by alias after heal").isTrue();
        assertThat(reachable(SVC_X, "svc-y")).as("by host name after heal").isTrue();
        assertThat(reachable(DB_Y, "svc-y")).as("on the site-y LAN after heal").isTrue();

        Result healAgain = chaos("heal", "site-y");
        assertThat(healAgain.exitCode()).as(healAgain.output()).isZero();
        assertThat(healAgain.output()).contains(SVC_Y + " already on " + WAN).doesNotContain("reconnected");
    }

    @Test
    @Order(6)
    void killAndStartASiteByLabel() {
        Result kill = chaos("kill", "site-y");
        assertThat(kill.exitCode()).as(kill.output()).isZero();
        assertThat(kill.output()).contains("killed " + SVC_Y).contains("killed " + DB_Y).doesNotContain(SVC_X);
        assertThat(inspect(SVC_Y, "{{.State.Status}}")).isEqualTo("exited");
        assertThat(inspect(DB_Y, "{{.State.Status}}")).isEqualTo("exited");
        assertThat(inspect(SVC_X, "{{.State.Status}}")).isEqualTo("running");

        Result start = chaos("start", "site-y");
        assertThat(start.exitCode()).as(start.output()).isZero();
        assertThat(start.output()).contains("started " + SVC_Y).contains("started " + DB_Y)
                .containsPattern("site-y: 2 container\\(s\\) running and healthy after \\d+ s");
        for (String container : List.of(SVC_Y, DB_Y)) {
            assertThat(inspect(container, "{{.State.Status}} {{.State.Health.Status}}")).as(container).isEqualTo("running healthy");
        }
        assertThat(reachable(SVC_X, "svc-site-y", 1)).as("back on the WAN by its alias (no listener: refused is reached)").isTrue();
    }

    // ---- the miniature project --------------------------------------------------------------

    private static void startContainer(String image, String service, String site, boolean netAdmin) {
        List<String> command = new ArrayList<>(List.of("docker", "run", "-d", "--init",
                "--name", PROJECT + "-" + service + "-1", "--hostname", service,
                "--network", PROJECT + "_" + site, "--network-alias", service,
                "--label", "com.docker.compose.project=" + PROJECT, "--label", "com.docker.compose.service=" + service,
                "--label", "multisite.site=" + site,
                "--health-cmd", "true", "--health-interval", "1s"));
        if (netAdmin) {
            command.addAll(List.of("--cap-add", "NET_ADMIN"));
        }
        // `sleep infinity` is the container's idle main process, not a wait.
        command.addAll(List.of("--entrypoint", "sleep", image, "infinity"));
        Result result = run(Duration.ofMinutes(2), command.toArray(String[]::new));
        if (result.exitCode() != 0) {
            fail(String.join(" ", command) + " exited " + result.exitCode() + ":\n" + result.output());
        }
    }

    /**
     * svc-y answers every connection on {@value #PAYLOAD_PORT} with {@value #PAYLOAD_BYTES} bytes.
     * Perl is in every Debian image (perl-base is essential); the images have no nc or python.
     */
    private static void servePayload() {
        docker("exec", "-d", SVC_Y, "perl", "-MIO::Socket::INET", "-e",
                "$SIG{PIPE}='IGNORE'; my $l = IO::Socket::INET->new(LocalPort => " + PAYLOAD_PORT
                        + ", Listen => 16, ReuseAddr => 1) or exit 0; my $data = 'x' x " + PAYLOAD_BYTES
                        + "; while (my $c = $l->accept) { print $c $data; close $c }");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> execResult(SVC_Y, "exec 3<>/dev/tcp/127.0.0.1/" + PAYLOAD_PORT).exitCode() == 0);
    }

    /** Fetches the payload from svc-x over the WAN; the time is taken inside the container. */
    private static long fetchPayloadMillis(String host) {
        String output = exec(SVC_X, "s=$EPOCHREALTIME; n=$(cat </dev/tcp/" + host + "/" + PAYLOAD_PORT + " | wc -c); e=$EPOCHREALTIME; "
                + "echo \"result=$n,$(( (${e/./} - ${s/./}) / 1000 ))\"");
        String[] fields = result(output).split(",");
        assertThat(Integer.parseInt(fields[0])).as("bytes received").isEqualTo(PAYLOAD_BYTES);
        return Long.parseLong(fields[1]);
    }

    /** A TCP handshake from {@code from} to {@code host}; refused counts as reached, like a SYN-ACK. */
    private static boolean reachable(String from, String host) {
        return reachable(from, host, PAYLOAD_PORT);
    }

    private static boolean reachable(String from, String host, int port) {
        String output = exec(from, "if timeout 3 bash -c 'exec 3<>/dev/tcp/" + host + "/" + port + "' 2>/tmp/connect.err; then echo result=yes; "
                + "elif grep -q 'Connection refused' /tmp/connect.err; then echo result=yes; else echo result=no; fi");
        return result(output).equals("yes");
    }

    /** The smallest of ten handshake times from svc-x to site-y's WAN alias, in ms (refused port: one RTT). */
    private static long minConnectMillis() {
        String output = exec(SVC_X, "best=999999; for i in 1 2 3 4 5 6 7 8 9 10; do s=$EPOCHREALTIME; "
                + "(exec 3<>/dev/tcp/svc-site-y/1) 2>/dev/null; e=$EPOCHREALTIME; t=$(( (${e/./} - ${s/./}) / 1000 )); "
                + "(( t < best )) && best=$t; done; echo result=$best");
        return Long.parseLong(result(output));
    }

    private static void sendDatagrams(int count) {
        exec(SVC_X, "read -r ip _ < <(getent hosts svc-site-y); for ((i = 0; i < " + count + "; i++)); do "
                + "printf x >/dev/udp/$ip/" + COUNTED_PORT + "; done");
    }

    /** Packet counters of svc-y's INPUT rules, by the rule's comment. */
    private static Map<String, Long> inputCounters() {
        String listing = exec(SVC_Y, "iptables -w -L INPUT -v -x -n");
        Map<String, Long> counters = new HashMap<>();
        for (String line : listing.split("\n")) {
            Matcher rule = Pattern.compile("^\\s*(\\d+)\\s+\\d+.*/\\* (\\S+) \\*/").matcher(line);
            if (rule.find()) {
                counters.merge(rule.group(2), Long.parseLong(rule.group(1)), Long::sum);
            }
        }
        assertThat(counters).as(listing).containsKeys("chaos-test-survivors");
        counters.putIfAbsent("multisite-chaos", 0L);
        return counters;
    }

    /** What a chaos command could have changed in a container: qdiscs of every interface, iptables rules. */
    private static String networkState(String container) {
        return exec(container, "tc qdisc show; iptables -w -S");
    }

    /** The same probe the tool makes: netem on a container interface (here svc-x's loopback, then removed). */
    private static boolean kernelHasNetem() {
        Result probe = execResult(SVC_X, "tc qdisc add dev lo root netem delay 1ms && tc qdisc del dev lo root");
        log.info("netem probe: exit {} {}", probe.exitCode(), probe.output().strip());
        return probe.exitCode() == 0;
    }

    private static String wanInterface(String container) {
        String address = inspect(container, "{{(index .NetworkSettings.Networks \"" + WAN + "\").IPAddress}}");
        String output = exec(container, "ip -o -4 addr show | while read -r _ name _ addr _; do "
                + "[[ ${addr%/*} == " + address + " ]] && echo result=$name; done; true");
        return result(output);
    }

    private static String inspect(String container, String format) {
        return docker("inspect", "-f", format, container).strip();
    }

    // ---- processes ---------------------------------------------------------------------------

    private static Result chaos(String... args) {
        List<String> command = new ArrayList<>();
        command.add(root.resolve("deploy/chaos.sh").toString());
        command.addAll(List.of(args));
        Result result = run(Duration.ofMinutes(11), Map.of("COMPOSE_PROJECT_NAME", PROJECT, "XDG_RUNTIME_DIR", runtimeDir.toString(),
                "CHAOS_START_TIMEOUT", "120"), command);
        // The usage text says nothing a reader of the log needs more than once.
        String shown = result.exitCode() == 2 ? result.output().strip().lines().findFirst().orElse("") : result.output().strip();
        log.info("chaos.sh {} -> exit {}\n{}", String.join(" ", args), result.exitCode(), shown);
        return result;
    }

    private static String exec(String container, String script) {
        Result result = execResult(container, script);
        if (result.exitCode() != 0) {
            fail(container + "$ " + script + " exited " + result.exitCode() + ":\n" + Compose.tail(result.output()));
        }
        return result.output();
    }

    /** As root: the images run as unprivileged users, and tc/iptables need root. */
    private static Result execResult(String container, String script) {
        return run(Duration.ofMinutes(2), "docker", "exec", "-u", "0", container, "bash", "-c", script);
    }

    private static String docker(String... args) {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Result result = run(Duration.ofMinutes(2), command.toArray(String[]::new));
        if (result.exitCode() != 0) {
            fail(String.join(" ", command) + " exited " + result.exitCode() + ":\n" + Compose.tail(result.output()));
        }
        return result.output();
    }

    private static Result run(Duration timeout, String... command) {
        return run(timeout, Map.of(), List.of(command));
    }

    private static Result run(Duration timeout, Map<String, String> environment, List<String> command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
            if (root != null) {
                builder.directory(root.toFile());
            }
            builder.environment().putAll(environment);
            Process process = builder.start();
            process.getOutputStream().close();
            CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
                try {
                    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
                    process.getInputStream().transferTo(buffer);
                    return buffer.toString(StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
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

    private static String result(String output) {
        Matcher matcher = RESULT.matcher(output);
        assertThat(matcher.find()).as("a result= line in: %s", output).isTrue();
        return matcher.group(1);
    }

    private static int count(String text, String needle) {
        int count = 0;
        for (int at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + needle.length())) {
            count++;
        }
        return count;
    }

    private static byte[] randomBytes() {
        byte[] bytes = new byte[4];
        ThreadLocalRandom.current().nextBytes(bytes);
        return bytes;
    }

    record Result(int exitCode, String output) {
    }
}
