package io.multisite.load;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class LoadConfigTests {

    @Test
    void usesTheDocumentedDefaultsWhenNothingIsSet() {
        LoadConfig config = LoadConfig.fromEnv(Map.of());

        assertThat(config.gateways()).containsExactly(
                URI.create("http://gateway-a:8080"), URI.create("http://gateway-b:8080"), URI.create("http://gateway-c:8080"));
        assertThat(config.users()).isEqualTo(60);
        assertThat(config.rate()).isEqualTo(50.0);
        assertThat(config.duration()).isEqualTo(Duration.ofMinutes(5));
        assertThat(config.openingBalance()).isEqualTo(100_000L);
        assertThat(config.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.requestTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.runId()).matches("[a-z0-9]+");
    }

    @Test
    void readsEveryVariable() {
        LoadConfig config = LoadConfig.fromEnv(Map.of(
                "GATEWAYS", " http://localhost:8081/ , http://localhost:8082 ,",
                "USERS", "7", "RATE", "2.5", "DURATION", "PT1H", "OPENING_BALANCE", "0", "SEED", "42", "RUN_ID", "demo1"));

        assertThat(config.gateways()).containsExactly(URI.create("http://localhost:8081"), URI.create("http://localhost:8082"));
        assertThat(config.users()).isEqualTo(7);
        assertThat(config.rate()).isEqualTo(2.5);
        assertThat(config.duration()).isEqualTo(Duration.ofHours(1));
        assertThat(config.openingBalance()).isZero();
        assertThat(config.seed()).isEqualTo(42L);
        assertThat(config.userId(3)).isEqualTo("load-demo1-3");
    }

    @Test
    void namesUsersAfterAGeneratedRunIdWhenNoneIsSet() {
        LoadConfig config = LoadConfig.fromEnv(Map.of("USERS", "10000"));

        assertThat(config.userId(10_000)).matches("load-[a-z0-9]{1,20}-10000").hasSizeLessThanOrEqualTo(64);
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', value = {
            "DURATION|PT1H0.001S|DURATION must be more than 0 and at most 1 h",
            "DURATION|PT2H|DURATION must be more than 0 and at most 1 h",
            "DURATION|PT0S|DURATION must be more than 0",
            "DURATION|-PT5S|DURATION must be more than 0",
            "DURATION|5 minutes|DURATION must be an ISO-8601 duration",
            "RATE|0|RATE must be more than 0",
            "RATE|-3|RATE must be more than 0",
            "RATE|NaN|RATE must be more than 0",
            "RATE|20000|RATE must be more than 0 and at most 10000",
            "RATE|fast|RATE must be a number",
            "USERS|1|USERS must be between 2 and 10000",
            "USERS|99999999999|USERS must be between 2 and 10000",
            "USERS|many|USERS must be an integer",
            "OPENING_BALANCE|-1|OPENING_BALANCE must be between 0 and 100000000",
            "OPENING_BALANCE|100000001|OPENING_BALANCE must be between 0 and 100000000",
            "SEED|1.5|SEED must be an integer",
            "GATEWAYS|,|GATEWAYS must name at least one gateway",
            "GATEWAYS|gateway-a:8080|GATEWAYS: 'gateway-a:8080' must be http(s)://host[:port]",
            "GATEWAYS|http://gateway-a:8080/api|GATEWAYS: 'http://gateway-a:8080/api' must be http(s)://host[:port]",
            "GATEWAYS|http://gate way|GATEWAYS: 'http://gate way' is not a URL",
            "RUN_ID|a-b|RUN_ID must be 1-20 letters or digits",
    })
    void refusesBadValuesNamingTheVariable(String name, String value, String message) {
        assertThatIllegalArgumentException()
                .isThrownBy(() -> LoadConfig.fromEnv(Map.of(name, value)))
                .withMessageStartingWith(message);
    }

    @Test
    void exitsWithStatusTwoAndTheReasonWithoutSendingAnythingOnBadConfiguration() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();

        int status = LoadGenerator.run(Map.of("DURATION", "PT90M"), print(out), print(err));

        assertThat(status).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .isEqualTo("load-generator: bad configuration: DURATION must be more than 0 and at most 1 h (PT1H), was PT1H30M" + System.lineSeparator());
        assertThat(out.size()).isZero();
    }

    private static PrintStream print(ByteArrayOutputStream bytes) {
        return new PrintStream(bytes, true, StandardCharsets.UTF_8);
    }
}
