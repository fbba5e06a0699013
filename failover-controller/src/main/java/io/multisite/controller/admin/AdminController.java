package io.multisite.controller.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

import io.multisite.controller.ControllerProperties;
import io.multisite.controller.failover.AdminCommand;
import io.multisite.controller.failover.AdminCommand.Action;
import io.multisite.controller.web.ApiException;
import io.multisite.routing.MultisiteTopics;
import io.multisite.routing.RoutingTable;
import io.multisite.routing.RoutingTableSource;
import io.multisite.routing.SiteState;
import io.multisite.routing.UnitState;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The admin API. Any controller instance accepts a command, checks it against the table it
 * holds, and writes it to the command topic; the leader carries it out and publishes the new
 * table with an audit event. 202 means "accepted and durably queued", not "done": the result
 * is visible in {@code GET /api/routing} and the routing events.
 */
@RestController
class AdminController {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final byte[] adminToken;
    private final RoutingTableSource routing;
    private final Producer<String, String> commands;
    private final Clock clock = Clock.systemUTC();

    AdminController(ControllerProperties properties, RoutingTableSource routing, Producer<String, String> commands) {
        this.adminToken = properties.controller().adminToken().getBytes(StandardCharsets.UTF_8);
        this.routing = routing;
        this.commands = commands;
    }

    @PostMapping("/admin/sites/{site}/dead")
    ResponseEntity<Map<String, String>> markDead(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                                 @PathVariable String site, @RequestParam(required = false) String reason) {
        return siteCommand(authorization, site, reason, Action.MARK_DEAD, state -> true, "");
    }

    @PostMapping("/admin/sites/{site}/drain")
    ResponseEntity<Map<String, String>> drain(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                              @PathVariable String site, @RequestParam(required = false) String reason) {
        return siteCommand(authorization, site, reason, Action.DRAIN, state -> state == SiteState.UP, "only an UP site can drain");
    }

    @PostMapping("/admin/sites/{site}/up")
    ResponseEntity<Map<String, String>> markUp(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                               @PathVariable String site, @RequestParam(required = false) String reason) {
        return siteCommand(authorization, site, reason, Action.MARK_UP, state -> state != SiteState.UP, "only a DRAINING or DEAD site can be marked UP");
    }

    @PostMapping("/admin/sites/{site}/failback")
    ResponseEntity<Map<String, String>> failBack(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                                 @PathVariable String site, @RequestParam(required = false) String reason) {
        return siteCommand(authorization, site, reason, Action.FAIL_BACK, state -> state == SiteState.UP, "units fail back only to an UP site");
    }

    @PostMapping("/admin/units/{unit}/force-activate")
    ResponseEntity<Map<String, String>> forceActivate(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                                      @PathVariable int unit, @RequestParam(required = false) String reason) {
        authorize(authorization);
        RoutingTable table = table();
        requireUnit(table, unit);
        if (table.unitState(unit) != UnitState.RECOVERING) {
            throw new ApiException(HttpStatus.CONFLICT, "invalid_transition", "unit " + unit + " is " + table.unitState(unit)
                    + ", only a RECOVERING unit can be force-activated");
        }
        return submit(new AdminCommand(UUID.randomUUID(), Action.FORCE_ACTIVATE, null, unit, reason, clock.instant()));
    }

    /**
     * Planned switchover of one unit: FENCED at its owner, then ACTIVE at {@code to} once {@code to}
     * has applied everything the owner wrote before the fence. The pause is measured, not slept.
     */
    @PostMapping("/admin/units/{unit}/move")
    ResponseEntity<Map<String, String>> move(@RequestHeader(name = HttpHeaders.AUTHORIZATION, required = false) String authorization,
                                             @PathVariable int unit, @RequestParam(required = false) String to,
                                             @RequestParam(required = false) String reason) {
        authorize(authorization);
        RoutingTable table = table();
        requireUnit(table, unit);
        if (to == null || to.isBlank()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "name the target site: ?to=<site>");
        }
        requireSite(table, to);
        if (table.unitState(unit) != UnitState.ACTIVE) {
            throw new ApiException(HttpStatus.CONFLICT, "invalid_transition", "unit " + unit + " is " + table.unitState(unit)
                    + ", only an ACTIVE unit can be moved");
        }
        if (table.owner(unit).equals(to)) {
            throw new ApiException(HttpStatus.CONFLICT, "invalid_transition", "unit " + unit + " already belongs to " + to);
        }
        if (table.siteState(to) != SiteState.UP || table.siteState(table.owner(unit)) == SiteState.DEAD) {
            throw new ApiException(HttpStatus.CONFLICT, "invalid_transition", "a unit moves only from a live site to an UP site; "
                    + to + " is " + table.siteState(to) + ", " + table.owner(unit) + " is " + table.siteState(table.owner(unit)));
        }
        return submit(new AdminCommand(UUID.randomUUID(), Action.MOVE, to, unit, reason, clock.instant()));
    }

    private ResponseEntity<Map<String, String>> siteCommand(String authorization, String site, String reason, Action action,
                                                            Predicate<SiteState> allowed, String refusal) {
        authorize(authorization);
        RoutingTable table = table();
        requireSite(table, site);
        SiteState state = table.siteState(site);
        if (!allowed.test(state)) {
            throw new ApiException(HttpStatus.CONFLICT, "invalid_transition", site + " is " + state + ", " + refusal);
        }
        return submit(new AdminCommand(UUID.randomUUID(), action, site, null, reason, clock.instant()));
    }

    private ResponseEntity<Map<String, String>> submit(AdminCommand command) {
        if (command.reason() != null && command.reason().length() > 500) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "reason must be at most 500 characters");
        }
        try {
            commands.send(new ProducerRecord<>(MultisiteTopics.CONTROLLER_COMMANDS, 0, command.id().toString(),
                    JSON.writeValueAsString(command))).get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "kafka_unavailable", "the command could not be queued: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "kafka_unavailable", "interrupted");
        }
        Map<String, String> body = new LinkedHashMap<>();
        body.put("commandId", command.id().toString());
        body.put("action", command.action().name());
        return ResponseEntity.accepted().body(body);
    }

    private void authorize(String authorization) {
        if (authorization == null || !authorization.startsWith("Bearer ")) {
            throw new ApiException(HttpStatus.UNAUTHORIZED, "unauthenticated", "the admin API needs Authorization: Bearer <admin token>");
        }
        byte[] presented = authorization.substring("Bearer ".length()).getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(presented, adminToken)) {
            throw new ApiException(HttpStatus.FORBIDDEN, "forbidden", "not a valid admin token");
        }
    }

    private RoutingTable table() {
        return routing.current().orElseThrow(() -> new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "no_routing_table",
                "no routing table has been published yet"));
    }

    private static void requireUnit(RoutingTable table, int unit) {
        if (unit < 0 || unit >= table.unitCount()) {
            throw new ApiException(HttpStatus.BAD_REQUEST, "invalid_request", "unit must be between 0 and " + (table.unitCount() - 1));
        }
    }

    private static void requireSite(RoutingTable table, String site) {
        if (!table.hasSite(site)) {
            throw new ApiException(HttpStatus.NOT_FOUND, "unknown_site", "no site " + site + " in the routing table");
        }
    }
}
