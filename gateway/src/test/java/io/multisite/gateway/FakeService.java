package io.multisite.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * One service of one fake site on a loopback port: records every request it receives and answers
 * with {@code X-Served-By: <site>}, by default 200 and a small JSON body; tests can script answers.
 */
public final class FakeService {

    /** What arrived, with header names compared case-insensitively. */
    public record Received(String method, String pathAndQuery, Map<String, List<String>> headers, byte[] body) {

        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    }

    public record Reply(int status, Map<String, String> headers, String body) {

        public static Reply ok(String body) {
            return new Reply(200, Map.of(), body);
        }
    }

    @FunctionalInterface
    public interface Responder {
        Reply answer(Received request) throws Exception;
    }

    private final String site;
    private final String service;
    private final HttpServer server;
    private final ExecutorService executor;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private volatile Responder responder;

    FakeService(String site, String service) throws IOException {
        this.site = site;
        this.service = service;
        this.responder = echo();
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        this.executor = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "fake-" + site + "-" + service);
            thread.setDaemon(true);
            return thread;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Received> received() {
        return List.copyOf(received);
    }

    public void respond(Responder next) {
        this.responder = next;
    }

    void reset() {
        received.clear();
        responder = echo();
    }

    void stop() {
        server.stop(0);
        executor.shutdownNow();
    }

    private Responder echo() {
        return request -> Reply.ok("{\"servedBy\":\"" + site + "\",\"service\":\"" + service + "\"}");
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body;
            try (InputStream in = exchange.getRequestBody()) {
                body = in.readAllBytes();
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
            Received request = new Received(exchange.getRequestMethod(), exchange.getRequestURI().toString(), headers, body);
            received.add(request);
            Reply reply;
            try {
                reply = responder.answer(request);
            } catch (Exception e) {
                reply = new Reply(500, Map.of(), "{\"error\":\"fake_failed\",\"message\":\"" + e + "\"}");
            }
            exchange.getResponseHeaders().set("X-Served-By", site);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            reply.headers().forEach(exchange.getResponseHeaders()::set);
            byte[] bytes = reply.body() == null ? new byte[0] : reply.body().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(reply.status(), bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        } catch (IOException e) {
            // The gateway gave up on this request (a timeout test); nobody is listening any more.
        }
    }
}
