package io.multisite.gateway;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * Three fake sites on loopback, each with the three services a gateway talks to, plus an
 * unreachable site whose address is a closed port. Started once per test JVM and shared by every
 * test context, like the fixed hosts they stand for.
 */
public final class FakeSites {

    public static final String ACCOUNTS = "account-service";
    public static final String NEWS = "news-service";
    public static final String CONTROLLER = "failover-controller";
    public static final List<String> SERVICES = List.of(ACCOUNTS, NEWS, CONTROLLER);
    public static final String UNREACHABLE = "site-x";

    private static FakeSites shared;

    private final Map<String, Map<String, FakeService>> sites = new LinkedHashMap<>();
    private final int closedPort;
    private volatile CountDownLatch slowRelease = new CountDownLatch(1);

    private FakeSites() throws IOException {
        for (String site : Tables.SITES) {
            Map<String, FakeService> services = new LinkedHashMap<>();
            for (String service : SERVICES) {
                services.put(service, new FakeService(site, service));
            }
            sites.put(site, services);
        }
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
    }

    public static synchronized FakeSites shared() {
        if (shared == null) {
            try {
                shared = new FakeSites();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return shared;
    }

    /** Points the gateway's service addresses at the fakes, through the per-site overrides. */
    public void register(DynamicPropertyRegistry registry) {
        sites.forEach((site, services) -> services.forEach((name, fake) ->
                registry.add("multisite.services.overrides." + site + "." + name, fake::url)));
        for (String service : SERVICES) {
            registry.add("multisite.services.overrides." + UNREACHABLE + "." + service,
                    () -> "http://127.0.0.1:" + closedPort);
        }
    }

    public FakeService of(String site, String service) {
        return sites.get(site).get(service);
    }

    /** Requests received by every fake service of every site. */
    public int totalHits() {
        return sites.values().stream().flatMap(s -> s.values().stream()).mapToInt(f -> f.received().size()).sum();
    }

    /** An answer that only comes when the test is over (or after 10 s): a site that is up but stuck. */
    public FakeService.Responder stuck() {
        CountDownLatch release = slowRelease;
        return request -> {
            release.await(10, TimeUnit.SECONDS);
            return FakeService.Reply.ok("{\"late\":true}");
        };
    }

    public void reset() {
        slowRelease.countDown();
        slowRelease = new CountDownLatch(1);
        sites.values().forEach(s -> s.values().forEach(FakeService::reset));
    }
}
