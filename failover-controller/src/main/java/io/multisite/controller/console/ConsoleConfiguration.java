package io.multisite.controller.console;

import java.time.Clock;
import java.util.Optional;

import io.multisite.controller.ControllerProperties;
import io.multisite.controller.catchup.ReplicationPositions;
import io.multisite.controller.failover.FailoverLoop;
import io.multisite.controller.liveness.HeartbeatMonitor;
import io.multisite.routing.RoutingTableFollower;
import io.multisite.routing.RoutingTableSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Feeds the console from the beans the controller already runs. Without Kafka (web-only tests)
 * those are absent: no heartbeats, no lag, no leadership, only the table.
 */
@Configuration(proxyBeanMethods = false)
class ConsoleConfiguration {

    @Bean
    ConsoleState consoleState(ControllerProperties properties, ConsoleProperties console, RoutingTableSource routing,
                              ObjectProvider<HeartbeatMonitor> monitors, ObjectProvider<ReplicationPositions> positions,
                              ObjectProvider<FailoverLoop> loops) {
        HeartbeatMonitor monitor = monitors.getIfAvailable();
        ReplicationPositions replication = positions.getIfAvailable();
        FailoverLoop loop = loops.getIfAvailable();
        ConsoleState.Heartbeats heartbeats = monitor == null ? site -> Optional.empty()
                : site -> monitor.heardFrom(site) ? Optional.of(monitor.silence(site)) : Optional.empty();
        LagMatrix.Reports reports = replication == null ? (site, origin, database) -> Optional.empty() : replication::latest;
        return new ConsoleState(properties.site(), properties.instanceId(), properties.controller().cityOfSite(),
                properties.controller().ledgerDatabase(), routing, heartbeats, reports,
                loop == null ? Optional::empty : () -> Optional.of(loop.isLeader()), Clock.systemUTC(), console.timelineSize());
    }

    @Bean
    ConsoleStreams consoleStreams(ConsoleState state, ConsoleProperties console, RoutingTableSource routing) {
        ConsoleStreams streams = new ConsoleStreams(state, console.maxStreams(), console.heartbeat(), console.streamTimeout());
        if (routing instanceof RoutingTableFollower follower) {
            follower.addListener(streams::routingChanged);
        }
        return streams;
    }
}
