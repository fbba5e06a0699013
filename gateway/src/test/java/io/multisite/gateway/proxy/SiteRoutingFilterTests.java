package io.multisite.gateway.proxy;

import java.net.ConnectException;
import java.util.concurrent.TimeoutException;

import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.timeout.ReadTimeoutException;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpStatus;
import org.springframework.web.server.ResponseStatusException;

import static org.assertj.core.api.Assertions.assertThat;

class SiteRoutingFilterTests {

    @Test
    void connectFailuresAndTimeoutsCountAsAnUnreachableSite() {
        assertThat(SiteRoutingFilter.isTransportFailure(new ConnectException("Connection refused"))).isTrue();
        assertThat(SiteRoutingFilter.isTransportFailure(new ConnectTimeoutException("connection timed out"))).isTrue();
        assertThat(SiteRoutingFilter.isTransportFailure(ReadTimeoutException.INSTANCE)).isTrue();
        assertThat(SiteRoutingFilter.isTransportFailure(new ResponseStatusException(HttpStatus.GATEWAY_TIMEOUT,
                "Response took longer than timeout", new TimeoutException()))).isTrue();
        assertThat(SiteRoutingFilter.isTransportFailure(new IllegalStateException("wrapped", new ConnectException()))).isTrue();
    }

    @Test
    void otherFailuresAreNotBlamedOnTheSite() {
        assertThat(SiteRoutingFilter.isTransportFailure(new IllegalStateException("a bug"))).isFalse();
        assertThat(SiteRoutingFilter.isTransportFailure(new ResponseStatusException(HttpStatus.NOT_FOUND))).isFalse();
    }
}
