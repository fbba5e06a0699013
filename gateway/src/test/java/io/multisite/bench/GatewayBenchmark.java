package io.multisite.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.multisite.gateway.GatewayApplication;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.Units;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * What the gateway adds to a request: one fake backend on loopback, the gateway in front of it (in
 * its own JVM), the same gateway's plain route to the same backend (Spring Cloud
 * Gateway without unit routing), optionally nginx as a plain reverse proxy, and an open-loop load
 * at a fixed rate against each. Run with {@code gateway/bench/run.sh}; see docs/benchmarks.md.
 *
 * <p>Latency is measured from the moment a request was due, not from when it was sent, so a stall
 * of the sender counts against the target instead of hiding (no coordinated omission).
 */
public final class GatewayBenchmark {

    private static final String BODY = "{\"userId\":\"user-1\",\"balance\":1000,\"unit\":7,\"homeSite\":\"site-a\",\"unitState\":\"ACTIVE\"}";
    private static final String USER = "user-1";
    /** The gateway's route without unit routing: a Spring Cloud Gateway route to a fixed URI. */
    private static final String PLAIN = "/plain";
    /** The length of one round-robin measurement slice of a target. */
    private static final int SLICE_SECONDS = 5;
    /**
     * The deployed gateway's options (the {@code gateway} stage of deploy/Dockerfile), so that the
     * benchmark measures what runs; {@code -Dbench.gatewayJvm="..."} measures others.
     */
    private static final String GATEWAY_JVM = "-Xms160m -Xmx160m -Xmn80m -XX:+UseSerialGC -Xss512k -XX:MaxMetaspaceSize=128m";
    private static final String TOKEN = USER + ".5f0c3a56-1d2b-4c6e-9f11-2a3b4c5d6e7f.4000000000.c2lnbmF0dXJl";

    private GatewayBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("gateway")) {
            runGateway(Integer.parseInt(args[1]));
            return;
        }
        int rate = Integer.getInteger("bench.rate", 1000);
        int seconds = Integer.getInteger("bench.seconds", 60);
        int warmup = Integer.getInteger("bench.warmup", 60);
        int concurrency = Integer.getInteger("bench.concurrency", 32);
        String path = System.getProperty("bench.path", "/api/accounts/me");

        DisposableServer backend = HttpServer.create().host("127.0.0.1").port(0)
                .handle((request, response) -> request.receive().then()
                        .then(response.header("Content-Type", "application/json").header("X-Served-By", "site-a")
                                .sendString(Mono.just(BODY)).then()))
                .bindNow();
        List<Process> children = new ArrayList<>();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> children.forEach(Process::destroy)));
        try {
            List<Target> targets = new ArrayList<>();
            targets.add(new Target("direct (backend)", backend.port(), "", -1));
            Process gateway = startGatewayProcess(backend.port());
            children.add(gateway);
            int gatewayPort = awaitGatewayPort(gateway);
            targets.add(new Target("gateway, unit routing", gatewayPort, "", gateway.pid()));
            targets.add(new Target("gateway, plain route", gatewayPort, PLAIN, gateway.pid()));
            Optional<Process> nginx = startNginx(backend.port(), children);
            nginx.ifPresent(process -> targets.add(new Target("nginx (plain proxy)", nginxPort, "", process.pid())));

            System.out.printf(Locale.ROOT, "%n%d cores, load average before: %s; rate %d/s for %d s after %d s warm-up; path %s%n",
                    Runtime.getRuntime().availableProcessors(), loadAverage(), rate, seconds, warmup, path);
            // Every target is warmed up before any is measured, and the measurement goes round the
            // targets in short slices, so that the machine's drift and what is left of the gateway
            // JVM's warm-up fall on every target alike instead of on whichever was measured first. The
            // gateway JVM compiled and sized its heap for a minute (young pauses of 10-28 ms, then
            // 2-3 ms): with 15 s of warm-up per target its added p99 was 0.9-1.1 ms worse.
            List<Load> loads = targets.stream().map(target -> new Load(target.port(), target.pathPrefix() + path)).toList();
            try {
                for (Load load : loads) {
                    load.openLoop(rate, warmup);
                }
                int slices = Math.max(1, seconds / SLICE_SECONDS);
                List<List<Result>> measured = new ArrayList<>();
                targets.forEach(target -> measured.add(new ArrayList<>()));
                long[] ticksMeasured = new long[targets.size()];
                for (int slice = 0; slice < slices; slice++) {
                    for (int i = 0; i < targets.size(); i++) {
                        long cpuBefore = cpuTicks(targets.get(i).pid());
                        measured.get(i).add(loads.get(i).openLoop(rate, seconds / slices));
                        ticksMeasured[i] += cpuTicks(targets.get(i).pid()) - cpuBefore;
                    }
                }
                List<Result> results = new ArrayList<>();
                for (int i = 0; i < targets.size(); i++) {
                    Result result = Result.merge(measured.get(i));
                    results.add(result.withCpu(ticksMeasured[i] * 1000.0 / TICKS_PER_SECOND / result.sent()).named(targets.get(i).name()));
                }
                for (int i = 0; i < targets.size(); i++) {
                    results.set(i, results.get(i).withMaxThroughput(loads.get(i).closedLoop(concurrency, Math.max(5, seconds / 2))));
                }
                print(results, concurrency);
            } finally {
                loads.forEach(Load::close);
            }
            System.out.printf(Locale.ROOT, "load average after: %s%n", loadAverage());
        } finally {
            children.forEach(Process::destroy);
            for (Process child : children) {
                child.waitFor(10, TimeUnit.SECONDS);
            }
            backend.disposeNow();
        }
    }

    /**
     * @param pathPrefix put before the request path: selects the gateway's plain route
     * @param pid        the process serving this target, -1 when it is this JVM (the backend)
     */
    record Target(String name, int port, String pathPrefix, long pid) {
    }

    /** @param cpuMillisPerRequest CPU time of the target's processes per request of the open-loop run; NaN for the backend */
    record Result(String name, int rate, long sent, long errors, double achievedRps, long[] sortedMicros, long maxThroughput,
                  double cpuMillisPerRequest) {

        static Result merge(List<Result> slices) {
            long[] micros = slices.stream().flatMapToLong(r -> Arrays.stream(r.sortedMicros())).sorted().toArray();
            long sent = slices.stream().mapToLong(Result::sent).sum();
            double seconds = slices.stream().mapToDouble(r -> r.sent() / r.achievedRps()).sum();
            return new Result("", slices.get(0).rate(), sent, slices.stream().mapToLong(Result::errors).sum(), sent / seconds,
                    micros, 0, Double.NaN);
        }

        Result named(String label) {
            return new Result(label, rate, sent, errors, achievedRps, sortedMicros, maxThroughput, cpuMillisPerRequest);
        }

        Result withMaxThroughput(long rps) {
            return new Result(name, rate, sent, errors, achievedRps, sortedMicros, rps, cpuMillisPerRequest);
        }

        Result withCpu(double millisPerRequest) {
            return new Result(name, rate, sent, errors, achievedRps, sortedMicros, maxThroughput, millisPerRequest);
        }

        double percentileMillis(double p) {
            int index = (int) Math.min(sortedMicros.length - 1, Math.ceil(p / 100.0 * sortedMicros.length) - 1);
            return sortedMicros[Math.max(0, index)] / 1000.0;
        }
    }

    private static void print(List<Result> results, int concurrency) {
        System.out.println();
        System.out.printf(Locale.ROOT, "| target | sent | errors | achieved req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | CPU ms/request | closed-loop req/s (%d in flight) |%n", concurrency);
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf(Locale.ROOT, "| %s | %d | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %d |%n", r.name(), r.sent(), r.errors(),
                    r.achievedRps(), r.percentileMillis(50), r.percentileMillis(90), r.percentileMillis(99),
                    r.percentileMillis(99.9), r.percentileMillis(100),
                    Double.isNaN(r.cpuMillisPerRequest()) ? "-" : String.format(Locale.ROOT, "%.3f", r.cpuMillisPerRequest()),
                    r.maxThroughput());
        }
        Result direct = results.get(0);
        System.out.println();
        for (Result r : results.subList(1, results.size())) {
            System.out.printf(Locale.ROOT, "added by %s: p50 %+.2f ms, p99 %+.2f ms; closed-loop throughput %.2fx of direct%n", r.name(),
                    r.percentileMillis(50) - direct.percentileMillis(50), r.percentileMillis(99) - direct.percentileMillis(99),
                    (double) r.maxThroughput() / direct.maxThroughput());
        }
    }

    /** A fixed-rate client on its own connection pool. */
    private static final class Load implements AutoCloseable {

        private final ConnectionProvider pool = ConnectionProvider.builder("bench").maxConnections(512)
                .pendingAcquireMaxCount(-1).build();
        private final HttpClient client;
        private final String path;

        Load(int port, String path) {
            this.client = HttpClient.create(pool).baseUrl("http://127.0.0.1:" + port)
                    .headers(headers -> headers.set("Authorization", "Bearer " + TOKEN));
            this.path = path;
        }

        private Mono<Integer> call() {
            return client.get().uri(path)
                    .responseSingle((response, body) -> body.asByteArray().map(bytes -> response.status().code())
                            .defaultIfEmpty(response.status().code()))
                    .timeout(Duration.ofSeconds(10))
                    .onErrorReturn(-1);
        }

        Result openLoop(int rate, int seconds) throws InterruptedException {
            int count = rate * seconds;
            long period = TimeUnit.SECONDS.toNanos(1) / rate;
            long[] micros = new long[count];
            AtomicLong errors = new AtomicLong();
            CountDownLatch done = new CountDownLatch(count);
            long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            for (int i = 0; i < count; i++) {
                long due = start + i * period;
                long wait;
                while ((wait = due - System.nanoTime()) > 0) {
                    LockSupport.parkNanos(wait);
                }
                int slot = i;
                call().subscribe(status -> {
                    micros[slot] = (System.nanoTime() - due) / 1000;
                    if (status < 200 || status >= 300) {
                        errors.incrementAndGet();
                    }
                    done.countDown();
                });
            }
            done.await(60, TimeUnit.SECONDS);
            double elapsed = (System.nanoTime() - start) / 1e9;
            long[] sorted = micros.clone();
            Arrays.sort(sorted);
            return new Result("", rate, count, errors.get(), count / elapsed, sorted, 0, Double.NaN);
        }

        long closedLoop(int concurrency, int seconds) {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
            AtomicLong completed = new AtomicLong();
            long started = System.nanoTime();
            Flux.range(0, concurrency)
                    .flatMap(worker -> Mono.defer(this::call)
                            .doOnNext(status -> {
                                if (status >= 200 && status < 300) {
                                    completed.incrementAndGet();
                                }
                            })
                            .repeat(() -> System.nanoTime() < end), concurrency)
                    .blockLast();
            return Math.round(completed.get() / ((System.nanoTime() - started) / 1e9));
        }

        @Override
        public void close() {
            pool.disposeLater().block(Duration.ofSeconds(5));
        }
    }

    // --- the gateway, in a child JVM -------------------------------------------------------------

    private static Process startGatewayProcess(int backendPort) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(List.of(System.getProperty("bench.gatewayJvm", GATEWAY_JVM).trim().split("\\s+")));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"),
                GatewayBenchmark.class.getName(), "gateway", Integer.toString(backendPort)));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    private static int awaitGatewayPort(Process gateway) throws IOException {
        BufferedReader out = new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("GATEWAY_PORT=")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "gateway-output");
                drain.setDaemon(true);
                drain.start();
                return Integer.parseInt(line.substring("GATEWAY_PORT=".length()));
            }
            System.out.println("[gateway] " + line);
        }
        throw new IllegalStateException("the gateway exited before it listened");
    }

    /** The gateway as deployed, but with a fixed routing table and every site's services at the backend. */
    private static void runGateway(int backendPort) {
        RoutingTable table = RoutingTable.initial(List.of("site-a", "site-b", "site-c"), Units.DEFAULT_COUNT);
        RoutingTableSource fixed = () -> Optional.of(table);
        String routes = "--spring.cloud.gateway.server.webflux.routes[0].";
        List<String> args = new ArrayList<>(List.of("--server.port=0", "--multisite.site=site-a",
                "--multisite.kafka.enabled=false", "--logging.level.root=WARN", "--spring.main.banner-mode=off",
                routes + "id=plain", routes + "uri=http://127.0.0.1:" + backendPort,
                routes + "predicates[0]=Path=" + PLAIN + "/**", routes + "filters[0]=StripPrefix=1"));
        for (String site : table.sites().keySet()) {
            for (String service : List.of("account-service", "news-service", "failover-controller")) {
                args.add("--multisite.services.overrides." + site + "." + service + "=http://127.0.0.1:" + backendPort);
            }
        }
        ConfigurableApplicationContext context = new SpringApplicationBuilder(GatewayApplication.class)
                .initializers(ctx -> ctx.getBeanFactory().registerSingleton("benchRouting", fixed))
                .run(args.toArray(String[]::new));
        System.out.println("GATEWAY_PORT=" + context.getEnvironment().getProperty("local.server.port"));
    }

    // --- nginx, when installed -------------------------------------------------------------------

    private static int nginxPort;

    private static Optional<Process> startNginx(int backendPort, List<Process> children) throws IOException {
        Optional<Path> nginx = Arrays.stream(System.getenv().getOrDefault("PATH", "").split(":"))
                .map(dir -> Path.of(dir, "nginx")).filter(Files::isExecutable).findFirst()
                .or(() -> Optional.of(Path.of("/usr/sbin/nginx")).filter(Files::isExecutable));
        if (nginx.isEmpty() || Boolean.getBoolean("bench.skipNginx")) {
            return Optional.empty();
        }
        Path dir = Files.createTempDirectory("bench-nginx");
        int port;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        String config = """
                daemon off;
                worker_processes auto;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 4096; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/body;
                  proxy_temp_path %1$s/proxy;
                  fastcgi_temp_path %1$s/fastcgi;
                  uwsgi_temp_path %1$s/uwsgi;
                  scgi_temp_path %1$s/scgi;
                  upstream backend { server 127.0.0.1:%2$d; keepalive 128; }
                  server {
                    listen 127.0.0.1:%3$d;
                    location / {
                      proxy_pass http://backend;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                    }
                  }
                }
                """.formatted(dir, backendPort, port);
        Path file = dir.resolve("nginx.conf");
        Files.writeString(file, config);
        Process process = new ProcessBuilder(nginx.get().toString(), "-p", dir.toString(), "-c", file.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        children.add(process);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                nginxPort = port;
                return Optional.of(process);
            } catch (IOException notYet) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("nginx exited: " + Files.readString(dir.resolve("stdout.log")));
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
            }
        }
        throw new IllegalStateException("nginx did not listen on " + port);
    }

    /** Clock ticks of /proc/[pid]/stat (USER_HZ), 100 on Linux unless the kernel says otherwise. */
    private static final long TICKS_PER_SECOND = Long.getLong("bench.clockTicks", 100);

    /** CPU time (user + system, in clock ticks) of a process and its direct children (nginx's workers). */
    private static long cpuTicks(long pid) {
        if (pid < 0) {
            return 0;
        }
        long total = 0;
        try (var entries = Files.list(Path.of("/proc"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(entry.resolve("stat"));
                    // The command name may contain spaces; the fields after it do not.
                    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long self = Long.parseLong(name);
                    long parent = Long.parseLong(fields[1]);
                    if (self == pid || parent == pid) {
                        total += Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
                    }
                } catch (IOException | RuntimeException gone) {
                    // The process ended while being read.
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return total;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
