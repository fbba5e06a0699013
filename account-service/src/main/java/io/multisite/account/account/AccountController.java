package io.multisite.account.account;

import io.multisite.account.routing.RoutingView;
import io.multisite.account.routing.WriteGuard;
import io.multisite.account.session.CurrentUser;
import io.multisite.account.web.RoutedResponses;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/** Reads are never guarded: any site answers from its own copy of the ledger. */
@RestController
class AccountController {

    private final JdbcClient jdbc;
    private final WriteGuard guard;

    AccountController(JdbcClient jdbc, WriteGuard guard) {
        this.jdbc = jdbc;
        this.guard = guard;
    }

    @GetMapping("/api/accounts/me")
    ResponseEntity<AccountView> me(CurrentUser user) {
        // No account row yet means no entries yet: the sum of nothing is zero.
        long balance = jdbc.sql("SELECT balance FROM accounts WHERE user_id = ?")
                .param(user.userId())
                .query(Long.class)
                .optional()
                .orElse(0L);
        RoutingView routing = guard.view(user.userId());
        return RoutedResponses.routed(HttpStatus.OK, routing.unit(), routing.epoch())
                .body(new AccountView(user.userId(), balance, routing.unit(), routing.homeSite(), routing.unitState()));
    }
}
