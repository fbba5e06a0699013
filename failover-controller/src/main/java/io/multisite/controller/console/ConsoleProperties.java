package io.multisite.controller.console;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * {@code multisite.console.*}: the live console's limits.
 *
 * @param maxStreams    concurrent event streams this instance serves; beyond it answers 503
 * @param heartbeat     how often every open stream receives a snapshot. The gateway gives up on a
 *                      response that stays silent for 5 s, so this must stay well below that
 * @param streamTimeout how long one stream lives; the page's EventSource reconnects on its own
 * @param timelineSize  how many timeline entries are kept and shown
 */
@ConfigurationProperties("multisite.console")
record ConsoleProperties(@DefaultValue("32") int maxStreams, @DefaultValue("1s") Duration heartbeat,
                         @DefaultValue("10m") Duration streamTimeout, @DefaultValue("50") int timelineSize) {

    ConsoleProperties {
        if (maxStreams < 1 || timelineSize < 1) {
            throw new IllegalArgumentException("multisite.console.max-streams and timeline-size must be at least 1");
        }
        if (heartbeat.isNegative() || heartbeat.isZero() || heartbeat.compareTo(Duration.ofSeconds(2)) > 0) {
            throw new IllegalArgumentException("multisite.console.heartbeat must be between 1 ms and 2 s (the gateway's idle limit is 5 s), was "
                    + heartbeat);
        }
        if (streamTimeout.compareTo(heartbeat) <= 0) {
            throw new IllegalArgumentException("multisite.console.stream-timeout must exceed the heartbeat");
        }
    }
}
