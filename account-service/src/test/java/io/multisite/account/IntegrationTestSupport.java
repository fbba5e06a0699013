package io.multisite.account;

import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import io.multisite.testsupport.TestRouting;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The service as site-a, on a real port and the shared test database, with routing and lease in
 * the test's hands ({@link TestRouting}). All subclasses share one application context.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "multisite.site=site-a",
        "multisite.kafka.enabled=false",
        "multisite.password.bcrypt-cost=4"})
@Import(TestRoutingConfiguration.class)
public abstract class IntegrationTestSupport {

    @LocalServerPort
    protected int port;

    @Autowired
    protected JdbcClient jdbc;

    @Autowired
    protected TestRouting routing;

    protected Api api;

    @BeforeAll
    static void requireDocker() {
        Docker.require();
    }

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        registry.add("spring.datasource.url", () -> TestDatabase.jdbcUrl(TestDatabase.ACCOUNTS));
        registry.add("spring.datasource.username", () -> TestDatabase.owner(TestDatabase.ACCOUNTS));
        registry.add("spring.datasource.password", () -> TestDatabase.PASSWORD);
    }

    @BeforeEach
    void cleanSlate() {
        jdbc.sql("TRUNCATE users, accounts, ledger_entry, transfers, sessions").update();
        routing.reset();
        api = new Api(port);
    }

    protected long count(String table) {
        return jdbc.sql("SELECT count(*) FROM " + table).query(Long.class).single();
    }

    /** Rows in every table, to show that a refused or rejected request wrote nothing. */
    protected String allRowCounts() {
        return "users=" + count("users") + " accounts=" + count("accounts") + " ledger_entry=" + count("ledger_entry")
                + " transfers=" + count("transfers") + " sessions=" + count("sessions");
    }

    protected long balance(String userId) {
        return jdbc.sql("SELECT balance FROM accounts WHERE user_id = ?").param(userId).query(Long.class).single();
    }

    protected long entrySum(String userId) {
        return jdbc.sql("SELECT coalesce(sum(amount), 0) FROM ledger_entry WHERE account_id = ?").param(userId)
                .query(Long.class).single();
    }
}
