package io.multisite.account;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Users, sessions and the ledger of one site. Every write is admitted by the routing package's
 * {@link io.multisite.account.routing.WriteGuard} first: this site writes a user's data only while
 * it owns the user's unit, and debits only while it also holds its site lease.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class AccountServiceApplication {

    public static void main(String[] args) {
        SpringApplication.run(AccountServiceApplication.class, args);
    }
}
