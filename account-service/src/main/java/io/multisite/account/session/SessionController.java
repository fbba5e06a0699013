package io.multisite.account.session;

import io.multisite.account.web.RoutedResponses;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
class SessionController {

    private final SessionService sessions;

    SessionController(SessionService sessions) {
        this.sessions = sessions;
    }

    @PostMapping("/api/sessions")
    ResponseEntity<LoginResponse> login(@RequestBody LoginRequest request) {
        Login login = sessions.login(request);
        return RoutedResponses.routed(HttpStatus.CREATED, login.unit(), login.epoch()).body(login.response());
    }

    @DeleteMapping("/api/sessions/current")
    ResponseEntity<Void> logout(CurrentUser user) {
        SessionService.Revocation revoked = sessions.revoke(user);
        return RoutedResponses.routed(HttpStatus.NO_CONTENT, revoked.unit(), revoked.epoch()).build();
    }
}
