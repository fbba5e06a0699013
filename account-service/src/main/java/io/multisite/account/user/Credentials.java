package io.multisite.account.user;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/** Checks a user id and password against the users table of this site. */
@Component
public final class Credentials {

    private final JdbcClient jdbc;
    private final Passwords passwords;

    Credentials(JdbcClient jdbc, Passwords passwords) {
        this.jdbc = jdbc;
        this.passwords = passwords;
    }

    /** True only for an existing user and the right password; both failures look the same. */
    public boolean verify(String userId, String password) {
        if (password == null || password.length() > 4 * Passwords.MAX_BYTES) {
            return false;
        }
        String hash = jdbc.sql("SELECT password_hash FROM users WHERE user_id = ?")
                .param(userId)
                .query(String.class)
                .optional()
                .orElse(null);
        try {
            return passwords.matches(password, hash);
        } catch (IllegalArgumentException e) {
            // bcrypt refuses passwords over 72 bytes; such a password was never registered.
            return false;
        }
    }
}
