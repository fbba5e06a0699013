package io.multisite.account.user;

import io.multisite.account.web.RoutedResponses;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

@RestController
class UserController {

    private final UserService users;

    UserController(UserService users) {
        this.users = users;
    }

    @PostMapping("/api/users")
    ResponseEntity<RegistrationResponse> register(@RequestBody RegistrationRequest request) {
        Registration registration = users.register(request);
        return RoutedResponses.routed(HttpStatus.CREATED, registration.unit(), registration.epoch())
                .body(registration.response());
    }
}
