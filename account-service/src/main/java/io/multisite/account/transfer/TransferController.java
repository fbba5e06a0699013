package io.multisite.account.transfer;

import java.util.UUID;

import io.multisite.account.routing.RoutingView;
import io.multisite.account.routing.WriteGuard;
import io.multisite.account.session.CurrentUser;
import io.multisite.account.web.ApiException;
import io.multisite.account.web.RoutedResponses;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
class TransferController {

    static final int MAX_LIMIT = 100;

    private final TransferService transfers;
    private final WriteGuard guard;

    TransferController(TransferService transfers, WriteGuard guard) {
        this.transfers = transfers;
        this.guard = guard;
    }

    /** A retry with the same idempotency key gets the same status and body as the first answer. */
    @PostMapping("/api/transfers")
    ResponseEntity<TransferReceipt> transfer(CurrentUser user, @RequestBody TransferRequest request) {
        Transferred transferred = transfers.transfer(user.userId(), request);
        return RoutedResponses.routed(HttpStatus.CREATED, transferred.unit(), transferred.epoch())
                .body(transferred.receipt());
    }

    @GetMapping("/api/transfers")
    ResponseEntity<TransferList> recent(CurrentUser user, @RequestParam(defaultValue = "20") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.invalid("limit must be from 1 to " + MAX_LIMIT);
        }
        RoutingView routing = guard.view(user.userId());
        return RoutedResponses.routed(HttpStatus.OK, routing.unit(), routing.epoch())
                .body(new TransferList(transfers.recent(user.userId(), limit)));
    }

    @GetMapping("/api/transfers/{transferId}")
    ResponseEntity<TransferView> one(CurrentUser user, @PathVariable UUID transferId) {
        RoutingView routing = guard.view(user.userId());
        TransferView transfer = transfers.find(user.userId(), transferId)
                .orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "not_found", "no such transfer of yours"));
        return RoutedResponses.routed(HttpStatus.OK, routing.unit(), routing.epoch()).body(transfer);
    }
}
