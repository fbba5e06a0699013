package io.multisite.account.user;

import java.nio.charset.StandardCharsets;

import io.multisite.account.web.ApiException;

import org.springframework.security.crypto.bcrypt.BCryptPasswordEncoder;
import org.springframework.stereotype.Component;

/** Password rules and bcrypt hashing. */
@Component
final class Passwords {

    static final int MIN_CHARS = 8;
    /** bcrypt reads only the first 72 bytes; longer passwords are refused rather than silently cut. */
    static final int MAX_BYTES = 72;

    private final BCryptPasswordEncoder encoder;
    /** Checked against when the user does not exist, so an unknown user costs as much as a wrong password. */
    private final String decoyHash;

    Passwords(PasswordProperties properties) {
        this.encoder = new BCryptPasswordEncoder(properties.bcryptCost());
        this.decoyHash = encoder.encode("decoy password, never matches a stored hash");
    }

    static void validate(String password) {
        if (password == null) {
            throw ApiException.invalid("password is required");
        }
        if (password.length() < MIN_CHARS || password.getBytes(StandardCharsets.UTF_8).length > MAX_BYTES) {
            throw ApiException.invalid("password must be at least " + MIN_CHARS + " characters and at most "
                    + MAX_BYTES + " bytes (UTF-8)");
        }
    }

    String hash(String password) {
        return encoder.encode(password);
    }

    /** @param hash the stored hash, or null when there is no such user */
    boolean matches(String password, String hash) {
        boolean matches = encoder.matches(password, hash != null ? hash : decoyHash);
        return hash != null && matches;
    }
}
