package io.multisite.routing;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.CommonClientConfigs;

/**
 * The connection settings every control-plane Kafka client of the project shares (routing
 * followers, heartbeat monitors, the election, position readers): a broker that has gone away is
 * given up on within seconds.
 *
 * <p>A killed broker refuses connections, but a partitioned one (its site cut off the WAN) just
 * stops answering: a request already sent to it waits for {@code request.timeout.ms}, 30 s by
 * default, before the client drops the connection and asks for new metadata. Until then it does not
 * learn that the partition's leadership moved to a surviving broker (which the brokers' 1.5 s
 * session timeout makes happen within about two seconds), so a controller reading heartbeats from
 * that partition saw no silence for half a minute: a cut-off site was declared dead 33-36 s after
 * the cut instead of within seconds. Requests here are small and fetches are parked for at most
 * {@code fetch.max.wait.ms} (500 ms), so {@value #REQUEST_TIMEOUT_MS} ms leaves ample room on a
 * loaded machine.
 */
public final class KafkaClientDefaults {

    /** Above fetch.max.wait.ms (500 ms) with room for a busy broker; far below the default 30 s. */
    public static final int REQUEST_TIMEOUT_MS = 5000;

    private KafkaClientDefaults() {
    }

    /** A new, mutable configuration with the bootstrap servers, the client id and the shared timeouts. */
    public static Map<String, Object> config(String bootstrapServers, String clientId) {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(CommonClientConfigs.CLIENT_ID_CONFIG, clientId);
        config.put(CommonClientConfigs.REQUEST_TIMEOUT_MS_CONFIG, REQUEST_TIMEOUT_MS);
        config.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, 1000);
        config.put(CommonClientConfigs.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, 2000);
        config.put(CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
        return config;
    }
}
