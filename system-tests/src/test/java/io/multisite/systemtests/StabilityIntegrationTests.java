package io.multisite.systemtests;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.multisite.routing.RoutingTable;
import io.multisite.routing.SiteState;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole deployment on a small machine under the demo's load generator: nothing fails, so
 * nothing may look as if it had. No site is declared dead, no unit changes hands, no write is
 * refused for a lost lease. CI runs it for two minutes; {@code -Dmultisite.stability.duration=PT10M}
 * is the longer run of docs/benchmarks.md. The rate (15 operations a second) is what two cores
 * carry with room to spare: about 25 a second saturate them, and beyond that leases are lost
 * (docs/benchmarks.md, "Load on two cores"), which refuses debits rather than risk two writers.
 */
@Order(4)
class StabilityIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(StabilityIntegrationTests.class);
    private static final Duration DURATION = Duration.parse(System.getProperty("multisite.stability.duration", "PT2M"));
    private static final String RATE = System.getProperty("multisite.stability.rate", "15");
    private static final Pattern REFUSALS = Pattern.compile("(?m)^multisite_guard_refusals_total\\{[^}]*reason=\"([a-z_]+)\"[^}]*} ([0-9.E]+)$");
    private static final Pattern OPS = Pattern.compile("summary: ops=(\\d+) ok=(\\d+)");
    private static final Pattern ACKNOWLEDGED = Pattern.compile("summary: transfers acknowledged=(\\d+)");
    private static final Pattern REFUSED = Pattern.compile("summary: refused debits \\[([^]]*)]");

    private static Compose compose;
    private static Sites sites;

    @BeforeAll
    static void deploy() {
        compose = Deployment.up();
        sites = new Sites(compose);
    }

    @Test
    void aLoadedDeploymentKeepsEveryOwnerAndEveryLeaseForTheWholeRun() {
        RoutingTable before = sites.awaitSettled("site-a", Duration.ofMinutes(3));
        // The broker killed by the infrastructure tests may still be catching up.
        sites.awaitKafkaInSync("site-b", Duration.ofMinutes(5));
        Map<String, Double> refusedBefore = guardRefusals();

        String output = compose.compose(DURATION.plusMinutes(5), "--profile", "load", "run", "--rm", "--build",
                "-e", "DURATION=" + DURATION, "-e", "RATE=" + RATE, "load-generator");
        output.lines().filter(line -> line.startsWith("summary:") || line.startsWith("setup:") || line.startsWith("load-generator:"))
                .forEach(line -> log.info("{}", line));

        RoutingTable after = sites.routingTable("site-a");
        assertThat(after.epoch()).as("no failover and no move: the routing table is the one from before the run").isEqualTo(before.epoch());
        assertThat(Sites.ALL).allMatch(site -> after.siteState(site) == SiteState.UP);
        assertThat(guardRefusals()).as("writes refused by the ownership guard (lost lease, fenced, not owner), per site and reason")
                .isEqualTo(refusedBefore);

        Matcher ops = find(OPS, output);
        long total = Long.parseLong(ops.group(1));
        long ok = Long.parseLong(ops.group(2));
        log.info("{} operations at {}/s for {}: {} answered 2xx", total, RATE, DURATION, ok);
        long acknowledged = Long.parseLong(find(ACKNOWLEDGED, output).group(1));
        assertThat(acknowledged).as("acknowledged transfers").isPositive();
        // Debits are refused for the business reason, never for a lease, a fence or an owner. The
        // one exception is `busy`: a debit whose statements missed the 400 ms that keep it inside
        // its lease twice in a row (the service retries once). Before that retry, one in 4,293
        // debits of a 10-minute run was refused so; since, none of 4,253 (docs/benchmarks.md).
        // Tolerated once in 1,000 so that a stall of the shared machine does not fail CI.
        Map<String, Long> refused = new LinkedHashMap<>();
        String listed = find(REFUSED, output).group(1);
        for (String entry : listed.isBlank() ? new String[0] : listed.split(" ")) {
            refused.put(entry.substring(0, entry.indexOf('=')), Long.parseLong(entry.substring(entry.indexOf('=') + 1)));
        }
        assertThat(refused.keySet()).as("reasons debits were refused for").isSubsetOf("insufficient_funds", "busy");
        assertThat(refused.getOrDefault("busy", 0L)).as("debits refused as busy, of %d acknowledged", acknowledged)
                .isLessThanOrEqualTo(Math.max(1, acknowledged / 1000));
    }

    /** Every guard refusal counted by the account- and news-services of every site, by site, service and reason. */
    private static Map<String, Double> guardRefusals() {
        Map<String, Double> counts = new LinkedHashMap<>();
        for (String site : Sites.ALL) {
            for (String service : new String[] {"account-service", "news-service"}) {
                String metrics = compose.exec(Sites.service(service, site), "curl", "-fsS", "localhost:8080/actuator/prometheus");
                Matcher refusal = REFUSALS.matcher(metrics);
                while (refusal.find()) {
                    counts.merge(site + "/" + service + "/" + refusal.group(1), Double.parseDouble(refusal.group(2)), Double::sum);
                }
            }
        }
        return counts;
    }

    private static Matcher find(Pattern pattern, String output) {
        Matcher matcher = pattern.matcher(output);
        assertThat(matcher.find()).as("%s in the load generator's output:%n%s", pattern, Compose.tail(output)).isTrue();
        return matcher;
    }
}
