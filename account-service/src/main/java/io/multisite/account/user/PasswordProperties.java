package io.multisite.account.user;

import org.springframework.boot.context.properties.ConfigurationProperties;

/** @param bcryptCost log2 of bcrypt's rounds: 10 or more in production, 4 (the minimum) in tests */
@ConfigurationProperties("multisite.password")
record PasswordProperties(int bcryptCost) {
}
