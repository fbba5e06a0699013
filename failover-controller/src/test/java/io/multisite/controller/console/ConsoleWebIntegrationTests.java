package io.multisite.controller.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import io.multisite.controller.FailoverControllerApplication;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The console's three endpoints over HTTP, with the routing table in the test's hands (no Kafka):
 * the page, the JSON snapshot, and the event stream with its first snapshot, its heartbeat, its
 * stream limit and what a client that hangs up leaves behind.
 */
@SpringBootTest(classes = FailoverControllerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "multisite.site=site-a", "multisite.instance-id=ctl-test", "multisite.kafka.enabled=false",
        "multisite.console.max-streams=2"})
@Import(ConsoleWebIntegrationTests.Fakes.class)
@ExtendWith(OutputCaptureExtension.class)
class ConsoleWebIntegrationTests {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    AtomicReference<RoutingTable> table;
    @Autowired
    ConsoleStreams streams;
    @Autowired
    ConsoleState state;

    private final HttpClient http = HttpClient.newHttpClient();
    private final List<EventStream> opened = new ArrayList<>();

    @TestConfiguration
    static class Fakes {

        @Bean
        AtomicReference<RoutingTable> table() {
            return new AtomicReference<>();
        }

        @Bean
        RoutingTableSource routingTableSource(AtomicReference<RoutingTable> table) {
            return () -> Optional.ofNullable(table.get());
        }

        @Bean
        MockProducer<String, String> commandProducer() {
            return new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        }
    }

    /**
     * The application, and so the console's memory of the highest epoch it has seen, is shared by
     * the tests: each starts from a table of a higher epoch than any before, as a real follower would.
     */
    private static final AtomicLong EPOCHS = new AtomicLong();
    private long base;

    @BeforeEach
    void firstTable() {
        RoutingTable initial = RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64);
        base = EPOCHS.addAndGet(100);
        table.set(new RoutingTable(base, initial.units(), initial.sites()));
        // Without a follower to announce it, the console would look only at its next beat.
        state.refresh();
        // Streams of an earlier test may still be waiting for their next write to fail.
        await().atMost(Duration.ofSeconds(10)).until(() -> streams.openStreams() == 0);
    }

    @AfterEach
    void hangUp() {
        opened.forEach(EventStream::close);
    }

    @Test
    void servesOneSelfContainedHtmlPage() throws Exception {
        HttpResponse<String> page = get("/console", "text/html");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html").containsIgnoringCase("charset=UTF-8"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp).contains("default-src 'none'", "connect-src 'self'"));
        assertThat(page.headers().firstValue("X-Served-By")).contains("site-a");
        assertThat(page.body()).contains("<div id=\"grid\"", "new EventSource('/console/events')", "id=\"sites\"", "id=\"lag\"", "id=\"timeline\"")
                .doesNotContainIgnoringCase("<script src")
                .doesNotContainIgnoringCase("href=\"http")
                .doesNotContain("http://", "https://", "//cdn");
        assertThat(get("/console/", "*/*").body()).isEqualTo(page.body());
    }

    @Test
    void servesTheSnapshotAsJson() throws Exception {
        table.set(table.get().change().markDead("site-c").takeOver(2, "site-a").apply());
        HttpResponse<String> response = get("/console/state", "application/json");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));

        JsonNode snapshot = JSON.readTree(response.body());
        assertThat(snapshot.get("epoch").asLong()).isEqualTo(base + 1);
        assertThat(snapshot.get("servedBy").get("site").asString()).isEqualTo("site-a");
        assertThat(snapshot.get("servedBy").get("instance").asString()).isEqualTo("ctl-test");
        assertThat(snapshot.get("servedBy").get("leader").isNull()).as("no election without Kafka").isTrue();
        assertThat(snapshot.get("units")).hasSize(64);
        JsonNode unit = snapshot.get("units").get(2);
        assertThat(unit.get("unit").asInt()).isEqualTo(2);
        assertThat(unit.get("owner").asString()).isEqualTo("site-a");
        assertThat(unit.get("state").asString()).isEqualTo("RECOVERING");
        assertThat(unit.get("catchUpFrom").get(0).asString()).isEqualTo("site-c");
        assertThat(snapshot.get("sites")).hasSize(3);
        assertThat(snapshot.get("sites").get(2).get("site").asString()).isEqualTo("site-c");
        assertThat(snapshot.get("sites").get(2).get("state").asString()).isEqualTo("DEAD");
        assertThat(snapshot.get("sites").get(2).get("city").asString()).isEqualTo("guangzhou");
        assertThat(snapshot.get("sites").get(2).has("secondsSinceHeartbeat")).isTrue();
        assertThat(snapshot.get("lag").get("measure").asString()).isEqualTo("bytes");
        assertThat(snapshot.get("lag").get("database").asString()).isEqualTo("accounts");
        assertThat(snapshot.get("lag").get("rows")).hasSize(3);
        assertThat(snapshot.get("lag").get("rows").get(0).get("cells")).hasSize(3);
        JsonNode latest = snapshot.get("timeline").get(0);
        assertThat(latest.get("kind").asString()).isEqualTo("routing");
        assertThat(latest.get("epochBefore").asLong()).isEqualTo(base);
        assertThat(latest.get("epochAfter").asLong()).isEqualTo(base + 1);
        assertThat(latest.get("summary").asString()).isEqualTo("site-c UP → DEAD; unit 2: site-c ACTIVE → site-a RECOVERING");
        assertThat(latest.get("sites").get(0).get("to").asString()).isEqualTo("DEAD");
        assertThat(latest.get("units").get(0).get("units").get(0).asInt()).isEqualTo(2);
    }

    @Test
    void streamsASnapshotFirstThenOneEverySecondAndEveryChange() throws Exception {
        EventStream stream = open();
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.contentType()).startsWith("text/event-stream");
        Event first = stream.next(Duration.ofSeconds(5));
        assertThat(first.name()).isEqualTo(ConsoleStreams.EVENT);
        assertThat(first.retry()).isEqualTo("1000");
        assertThat(JSON.readTree(first.data()).get("epoch").asLong()).isEqualTo(base);
        assertThat(JSON.readTree(first.data()).get("units")).hasSize(64);

        // The heartbeat: without any change, a snapshot at least every second (with some slack for a busy machine).
        long previous = System.nanoTime();
        for (int i = 0; i < 3; i++) {
            Event beat = stream.next(Duration.ofSeconds(3));
            long now = System.nanoTime();
            assertThat(beat.name()).isEqualTo(ConsoleStreams.EVENT);
            assertThat(Duration.ofNanos(now - previous)).isLessThan(Duration.ofMillis(1500));
            previous = now;
        }

        table.set(table.get().drain("site-b"));
        Event changed = stream.until(e -> JSON.readTree(e.data()).get("epoch").asLong() == base + 1, Duration.ofSeconds(5));
        JsonNode snapshot = JSON.readTree(changed.data());
        assertThat(snapshot.get("sites").get(1).get("state").asString()).isEqualTo("DRAINING");
        assertThat(snapshot.get("timeline").get(0).get("summary").asString()).isEqualTo("site-b UP → DRAINING");
    }

    @Test
    void refusesStreamsBeyondTheLimitWithAJsonError() throws Exception {
        EventStream one = open();
        open().next(Duration.ofSeconds(5));
        one.next(Duration.ofSeconds(5));
        assertThat(streams.openStreams()).isEqualTo(2);

        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(uri("/console/events")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        JsonNode error = JSON.readTree(refused.body());
        assertThat(error.get("error").asString()).isEqualTo("too_many_streams");
        assertThat(error.get("message").asString()).isNotBlank();

        one.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> streams.openStreams() == 1);
        assertThat(open().next(Duration.ofSeconds(5)).name()).as("a freed slot is usable again").isEqualTo(ConsoleStreams.EVENT);
    }

    @Test
    void releasesTheStreamOfAClientThatHangsUpWithoutAStackTrace(CapturedOutput output) throws Exception {
        int before = output.length();
        for (int i = 0; i < 2; i++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                OutputStream out = socket.getOutputStream();
                out.write(("GET /console/events HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nAccept: text/event-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                readUntil(socket.getInputStream(), "event:" + ConsoleStreams.EVENT);
                assertThat(streams.openStreams()).as("counted while open").isPositive();
            }
        }
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> streams.openStreams() == 0);
        String logged = output.toString().substring(before);
        assertThat(logged).doesNotContain("Exception", "\tat ");
    }

    private EventStream open() throws Exception {
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri("/console/events")).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        EventStream stream = new EventStream(response);
        opened.add(stream);
        return stream;
    }

    private HttpResponse<String> get(String path, String accept) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Accept", accept).build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static void readUntil(InputStream in, String marker) throws Exception {
        StringBuilder seen = new StringBuilder();
        int b;
        while ((b = in.read()) != -1) {
            seen.append((char) b);
            if (seen.indexOf(marker) >= 0) {
                return;
            }
        }
        throw new AssertionError("stream ended before " + marker + ": " + seen);
    }

    record Event(String name, String data, String retry) {
    }

    /** A minimal Server-Sent Events reader: one event per blank-line-terminated block. */
    private static final class EventStream implements AutoCloseable {

        private final HttpResponse<InputStream> response;
        private final BufferedReader reader;

        EventStream(HttpResponse<InputStream> response) {
            this.response = response;
            this.reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        }

        int status() {
            return response.statusCode();
        }

        String contentType() {
            return response.headers().firstValue("Content-Type").orElse("");
        }

        /** The next event, read on a helper thread so that a silent stream fails the test instead of hanging it. */
        Event next(Duration timeout) throws Exception {
            java.util.concurrent.CompletableFuture<Event> next = java.util.concurrent.CompletableFuture.supplyAsync(this::read);
            return next.get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        }

        Event until(java.util.function.Predicate<Event> condition, Duration timeout) throws Exception {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                Event event = next(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                if (condition.test(event)) {
                    return event;
                }
            }
        }

        private Event read() {
            try {
                String name = "message";
                StringBuilder data = new StringBuilder();
                String retry = null;
                boolean any = false;
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isEmpty()) {
                        if (any) {
                            return new Event(name, data.toString(), retry);
                        }
                        continue;
                    }
                    if (line.startsWith(":")) {
                        continue; // a comment
                    }
                    any = true;
                    if (line.startsWith("event:")) {
                        name = line.substring(6).trim();
                    } else if (line.startsWith("data:")) {
                        data.append(data.isEmpty() ? "" : "\n").append(line.substring(5));
                    } else if (line.startsWith("retry:")) {
                        retry = line.substring(6).trim();
                    }
                }
                throw new IllegalStateException("the stream ended");
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() {
            try {
                response.body().close();
            } catch (java.io.IOException e) {
                // already closed
            }
        }
    }
}
