package io.multisite.load;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * One site's gateway on a loopback port, answering from a shared {@link FakeBank} with
 * {@code X-Served-By: <site>}. It records what it received, and a test can make it hold answers
 * back (a site that is too slow) or refuse transfers with a given error code.
 */
final class FakeGateway implements AutoCloseable {

    record Received(String method, String path, String bearer, JsonNode body) {

        boolean is(String method, String path) {
            return this.method.equals(method) && this.path.startsWith(path);
        }
    }

    private static final JsonMapper JSON = JsonMapper.shared();

    private final String site;
    private final FakeBank bank;
    private final HttpServer server;
    private final URI uri;
    private final ExecutorService executor;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile Predicate<Received> holdBack = request -> false;
    private volatile FakeBank.Reply transferRefusal;

    FakeGateway(String site, FakeBank bank) throws IOException {
        this.site = site;
        this.bank = bank;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        this.executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "fake-" + site);
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        this.uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    URI uri() {
        return uri;
    }

    List<Received> received() {
        return List.copyOf(received);
    }

    List<Received> received(String method, String path) {
        return received.stream().filter(request -> request.is(method, path)).toList();
    }

    /** Requests matching {@code which} are carried out, but their answer is held until close. */
    void holdAnswers(Predicate<Received> which) {
        holdBack = which;
    }

    void refuseTransfers(int status, String error) {
        transferRefusal = FakeBank.Reply.error(status, error);
    }

    /** The gateway goes away: its port refuses connections from now on. */
    void stop() {
        closing.countDown();
        server.stop(0);
        executor.shutdownNow();
    }

    /** Like {@link #stop()}, but requests already being served get their answers first. */
    void stopAfterAnswering() {
        server.stop(1);
    }

    @Override
    public void close() {
        stop();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] bytes;
            try (InputStream in = exchange.getRequestBody()) {
                bytes = in.readAllBytes();
            }
            String authorization = exchange.getRequestHeaders().getFirst("Authorization");
            String bearer = authorization != null && authorization.startsWith("Bearer ") ? authorization.substring(7) : null;
            JsonNode body = bytes.length == 0 ? JSON.missingNode() : JSON.readTree(bytes);
            Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), bearer, body);
            received.add(request);
            FakeBank.Reply reply = transferRefusal != null && request.is("POST", "/api/transfers")
                    ? transferRefusal
                    : bank.handle(request.method(), request.path(), bearer, body, site);
            if (holdBack.test(request)) {
                closing.await();
                return;
            }
            byte[] answer = JSON.writeValueAsBytes(reply.body());
            exchange.getResponseHeaders().set("X-Served-By", site);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            // No pooled connections: a stopped gateway then always refuses the next connection,
            // instead of sometimes failing a request half-way on a connection it had closed.
            exchange.getResponseHeaders().set("Connection", "close");
            if (reply.status() == 503) {
                exchange.getResponseHeaders().set("Retry-After", "1");
            }
            exchange.sendResponseHeaders(reply.status(), answer.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(answer);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // The client gave up on this answer (its request timeout); nobody is listening any more.
        }
    }
}
