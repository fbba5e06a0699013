package io.multisite.controller.web;

import io.multisite.routing.RoutingTableJson;
import io.multisite.routing.RoutingTableSource;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/routing}: any controller instance answers from the table it follows. */
@RestController
class RoutingController {

    private final RoutingTableSource routing;

    RoutingController(RoutingTableSource routing) {
        this.routing = routing;
    }

    @GetMapping(path = "/api/routing", produces = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<String> routing() {
        return routing.current()
                .map(table -> ResponseEntity.ok()
                        .header("X-Routing-Epoch", String.valueOf(table.epoch()))
                        .body(RoutingTableJson.write(table)))
                .orElseThrow(() -> new ApiException(HttpStatus.SERVICE_UNAVAILABLE, "no_routing_table",
                        "no routing table has been published yet"));
    }
}
