package io.multisite.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.Flow;

/** Plain HTTP/1.1 calls to the gateway, so that tests see exactly what a client would. */
public final class GatewayClient {

    /**
     * One connection pool per client, and a client per test: a connection a test left behind (a
     * refused body, a reset) is never the one the next test's request waits on. A scrape after
     * two requests once waited the whole 15 s in CI (not reproduced in three runs since); a
     * connection shared between tests is the suspect, not a proven cause.
     */
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();

    private final String base;

    public GatewayClient(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    public HttpResponse<String> get(String path, String... headers) {
        return send("GET", path, null, headers);
    }

    /** @param headers name, value, name, value, ... */
    public HttpResponse<String> send(String method, String path, byte[] body, String... headers) {
        HttpRequest.BodyPublisher publisher = body == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return exchange(method, path, publisher, headers);
    }

    /** Sends the body with chunked transfer encoding: no Content-Length announces its size. */
    public HttpResponse<String> sendChunked(String method, String path, byte[] body, String... headers) {
        // A publisher that does not know its length: the client then sends the body in chunks.
        Flow.Publisher<ByteBuffer> unsized = HttpRequest.BodyPublishers.ofByteArray(body)::subscribe;
        return exchange(method, path, HttpRequest.BodyPublishers.fromPublisher(unsized), headers);
    }

    private HttpResponse<String> exchange(String method, String path, HttpRequest.BodyPublisher body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(Duration.ofSeconds(15))
                .method(method, body);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
