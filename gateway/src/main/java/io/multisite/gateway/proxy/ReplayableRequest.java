package io.multisite.gateway.proxy;

import io.multisite.gateway.routing.Placement;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * The client's request with its body held in memory, so that every attempt (the first, and the
 * one after a 421) sends exactly the bytes the client sent, plus the routing headers of the attempt.
 */
final class ReplayableRequest extends ServerHttpRequestDecorator {

    static final String UNIT = "X-Unit";
    static final String EPOCH = "X-Routing-Epoch";

    private final HttpHeaders headers;
    private final byte[] body;

    /** @param placement null for a request that is not routed by user (the routing headers are removed) */
    ReplayableRequest(ServerHttpRequest original, byte[] body, Placement placement) {
        super(original);
        this.body = body;
        this.headers = HttpHeaders.copyOf(original.getHeaders());
        // Never pass on what a client claims about routing; a service must only see the gateway's word.
        headers.remove(UNIT);
        headers.remove(EPOCH);
        if (placement != null) {
            headers.set(UNIT, Integer.toString(placement.unit()));
            headers.set(EPOCH, Long.toString(placement.epoch()));
        }
    }

    @Override
    public HttpHeaders getHeaders() {
        return headers;
    }

    @Override
    public Flux<DataBuffer> getBody() {
        if (body.length == 0) {
            return Flux.empty();
        }
        // A fresh heap buffer per subscription: nothing to release, and a retry can subscribe again.
        return Flux.defer(() -> Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(body)));
    }
}
