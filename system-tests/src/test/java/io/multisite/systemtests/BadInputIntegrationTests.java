package io.multisite.systemtests;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import io.multisite.routing.session.SessionTokens;
import io.multisite.routing.session.TokenClaims;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A corpus of malformed requests sent through the three published gateways, the way a careless or
 * hostile client would send them. Each must get a 4xx in the contract's error shape
 * ({@code {"error","message"}}), never a 5xx and never a connection cut before the answer, and none
 * may write anything at any site.
 *
 * <p>Requests go out over a plain socket ({@link RawHttp}), not java.net.http: that client only
 * sends well-formed requests (it sets Content-Length itself, frames bodies as it likes and checks
 * header values), and here every case must reach the gateway byte for byte as it is written down.
 *
 * <p>Ordered before SiteFailoverIntegrationTests, which kills a site: every case expects all three
 * sites up, since the gateway forwards most of them to the home site of the user they name.
 */
@Order(2)
class BadInputIntegrationTests {

    private static final Logger log = LoggerFactory.getLogger(BadInputIntegrationTests.class);

    /** Every user id the corpus makes up starts with this, so the final check can look for them by name. */
    static final String PREFIX = "bad-input-";
    private static final String PAYEE = PREFIX + "payee";
    private static final List<String> SITES = List.of("site-a", "site-b", "site-c");
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * The services' default SESSION_SECRET (application.yml), which docker-compose.yml leaves as it is.
     * Tokens signed with it get past the signature check, so what refuses them is the check behind it
     * (expiry, the session row, the form of the expiry). With another secret they would be refused
     * for their signature instead: 401 {@code unauthenticated} either way.
     */
    private static final SessionTokens DEVELOPMENT_TOKENS = new SessionTokens(
            "development-only-session-secret-never-use-in-production".getBytes(UTF_8), Clock.systemUTC());

    // Ids of nothing: random, so that no earlier run or other test can have made them.
    private static final UUID NO_SUCH_POST = UUID.randomUUID();
    private static final UUID NO_SUCH_TRANSFER = UUID.randomUUID();

    private static final String NO_USER = "no_user";
    private static final String INVALID_TOKEN = "invalid_token";
    private static final String UNAUTHENTICATED = "unauthenticated";
    private static final String INVALID_CREDENTIALS = "invalid_credentials";
    private static final String MALFORMED = "malformed_json";
    private static final String INVALID = "invalid_request";
    private static final String NOT_FOUND = "not_found";
    private static final String METHOD = "method_not_allowed";
    private static final String TOO_LARGE = "payload_too_large";
    private static final String MEDIA_TYPE = "unsupported_media_type";

    private static final String USERS = "/api/users";
    private static final String SESSIONS = "/api/sessions";
    private static final String TRANSFERS = "/api/transfers";
    private static final String POSTS = "/api/posts";
    private static final String ME = "/api/accounts/me";

    private static final String GOOD_PASSWORD = q("long enough");
    /** The password Gateways.register gives every user. */
    private static final String SETUP_PASSWORD = "correct-horse";
    private static final String VALID_TRANSFER = transfer(q(PAYEE), "1", q("k"));
    private static final String VALID_POST = "{\"body\":\"this post must never be written\"}";
    private static final String NESTED = "[".repeat(5_000) + "]".repeat(5_000);

    private static Compose compose;
    private static Session session;
    private static Map<String, String> before;

    /** The one user that is meant to exist: its token is what the cases that need a session send. */
    record Session(String userId, String token, UUID sessionId) {

        /** The token with its dot-separated part {@code index} replaced. */
        String tokenWith(int index, String part) {
            String[] parts = token.split("\\.", -1);
            parts[index] = part;
            return String.join(".", parts);
        }

        String signed(String userId, Instant expiresAt) {
            return DEVELOPMENT_TOKENS.issue(new TokenClaims(userId, sessionId, expiresAt));
        }
    }

    @BeforeAll
    static void aUserWithASessionThatEverySiteKnows() {
        compose = Deployment.up();
        // Not under PREFIX: this user is meant to exist, the corpus's users are not.
        String userId = "malformed-requests-" + System.nanoTime();
        // A site may answer 503 while it gains its lease (after start-up or the broker tests);
        // 409 means an attempt whose answer was lost on the way has registered the user.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Gateways.register("site-a", userId, 1_000), answer -> answer.status() == 201 || answer.status() == 409);
        Gateways.Answer login = await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> Gateways.login("site-b", userId), answer -> answer.status() == 201);
        String token = login.json().path("token").asString();
        session = new Session(userId, token, UUID.fromString(token.split("\\.")[1]));

        // news-service accepts a token only once its session has been replicated into the news
        // database, and the snapshot must not be taken while this user's own rows are on their way.
        for (String site : SITES) {
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                assertThat(accounts(site, "SELECT (SELECT count(*) FROM users WHERE user_id = '%1$s') || ':' "
                        + "|| (SELECT count(*) FROM ledger_entry WHERE account_id = '%1$s') || ':' "
                        + "|| (SELECT count(*) FROM sessions WHERE session_id = '%2$s')", userId, session.sessionId()))
                        .as("user, opening entry and session at %s", site).isEqualTo("1:1:1");
                assertThat(news(site, "SELECT count(*) FROM sessions WHERE session_id = '%s'", session.sessionId()))
                        .as("session in the news database at %s", site).isEqualTo("1");
            });
        }
        before = rowCounts();
        log.info("{} logged in and known at every site; rows before the corpus: {}", userId, before);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("corpus")
    void aMalformedRequestGetsA4xxJsonAnswer(BadRequest request) {
        RawHttp.Response answer = request.send(session);

        assertThat(answer.failure()).as("%s: a whole answer before the connection ends", request).isNull();
        assertThat(answer.status()).as(answer.toString()).isBetween(400, 499).isEqualTo(request.status());
        assertThat(answer.header("Content-Type")).as(answer.toString()).startsWith("application/json");
        JsonNode json;
        try {
            json = JSON.readTree(answer.body());
        } catch (JacksonException e) {
            throw new AssertionError("the body is not JSON: " + answer, e);
        }
        assertThat(json.isObject()).as(answer.toString()).isTrue();
        assertThat(json.path("error").asString("")).as(answer.toString()).isNotBlank().isEqualTo(request.error());
        assertThat(json.path("message").asString("")).as(answer.toString()).isNotBlank()
                .as("no internals in the message: %s", answer).doesNotContain("Exception", "java.", "io.multisite");
        assertThat(answer.header("X-Served-By")).as(answer.toString()).isIn(SITES);
    }

    @AfterAll
    static void theCorpusWroteNothingAtAnySite() {
        if (before == null) {
            // The set-up failed, and that failure is what the report shows.
            return;
        }
        // A write is in its home site's tables by the time it has been answered, so no wait is needed
        // to see one: the count of that site differs even if replication has not carried it further.
        assertThat(rowCounts()).as("rows per site before and after the corpus").isEqualTo(before);
        for (String site : SITES) {
            assertThat(accounts(site, "SELECT count(*) FROM users WHERE left(user_id, %d) = '%s'", PREFIX.length(), PREFIX))
                    .as("users named by the corpus at %s", site).isEqualTo("0");
        }
    }

    // ---- the corpus ---------------------------------------------------------------------------

    /** Case i goes to the gateway of SITES[i % 3], so each gateway answers a third of every kind. */
    static Stream<BadRequest> corpus() {
        List<BadRequest> cases = new ArrayList<>();
        cases.addAll(registrations());
        cases.addAll(logins());
        cases.addAll(transfers());
        cases.addAll(posts());
        cases.addAll(authorization());
        cases.addAll(idsAndParameters());
        cases.addAll(methodsAndPaths());
        return IntStream.range(0, cases.size()).mapToObj(i -> cases.get(i).numbered(i));
    }

    /**
     * The gateway reads the body of a registration for the user to route by: a body it cannot read a
     * valid {@code userId} from is its own 400 {@code no_user}; the rest is account-service's.
     */
    private static List<BadRequest> registrations() {
        String valid = registration(q(PREFIX + "valid-but-refused"), GOOD_PASSWORD, "0");
        return List.of(
                bad("registration: not JSON", "POST", USERS).json("hello").expect(400, NO_USER),
                bad("registration: truncated JSON", "POST", USERS).json("{\"userId\":\"bad-input-cut\",\"password\":\"long en").expect(400, NO_USER),
                bad("registration: empty body", "POST", USERS).json("").expect(400, NO_USER),
                bad("registration: JSON null", "POST", USERS).json("null").expect(400, NO_USER),
                bad("registration: an array around a valid one", "POST", USERS).json("[" + valid + "]").expect(400, NO_USER),
                bad("registration: two objects", "POST", USERS).json(valid + valid).expect(400, NO_USER),
                bad("registration: userId a number", "POST", USERS).json(registration("42", GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId missing", "POST", USERS).json("{\"password\":\"long enough\",\"initialBalance\":0}").expect(400, NO_USER),
                bad("registration: userId empty", "POST", USERS).json(registration(q(""), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId with a dot", "POST", USERS).json(registration(q(PREFIX + "a.b"), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId with a space", "POST", USERS).json(registration(q(PREFIX + "a b"), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId not ASCII", "POST", USERS).json(registration(q(PREFIX + "jos\u00e9"), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId with an escaped NUL", "POST", USERS).json(registration(q(PREFIX + "nul\\u0000"), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId with a right-to-left override", "POST", USERS).json(registration(q(PREFIX + "\u202egnp.exe"), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId with an emoji", "POST", USERS).json(registration(q(PREFIX + "\uD83D\uDE00"), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId with a zero-width space", "POST", USERS).json(registration(q(PREFIX + "zero\u200bwidth"), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId of 65 characters", "POST", USERS).json(registration(q(PREFIX + "x".repeat(65 - PREFIX.length())), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: userId of 10,000 characters", "POST", USERS).json(registration(q(PREFIX + "x".repeat(10_000)), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: raw control character in userId", "POST", USERS).json(registration(q(PREFIX + "ctrl\u0001"), GOOD_PASSWORD, "0")).expect(400, NO_USER),
                bad("registration: raw NUL byte between fields", "POST", USERS).json("{\"userId\":\"bad-input-nul\",\u0000\"password\":\"long enough\",\"initialBalance\":0}").expect(400, NO_USER),
                bad("registration: userId not valid UTF-8", "POST", USERS)
                        .bytes("application/json", withInvalidUtf8("{\"userId\":\"bad-input-", "\",\"password\":\"long enough\",\"initialBalance\":0}")).expect(400, NO_USER),
                bad("registration: two userId fields", "POST", USERS)
                        .json("{\"userId\":\"bad-input-first\",\"userId\":\"bad-input-second\",\"password\":\"long enough\",\"initialBalance\":0}").expect(400, NO_USER),
                bad("registration: two initialBalance fields", "POST", USERS)
                        .json("{\"userId\":\"bad-input-twice\",\"password\":\"long enough\",\"initialBalance\":0,\"initialBalance\":100000000}").expect(400, NO_USER),
                // Deeper than any parser limit; the short password keeps it unwritable even if it were parsed.
                bad("registration: nested 5,000 arrays deep", "POST", USERS)
                        .json("{\"userId\":\"bad-input-deep\",\"password\":\"short\",\"initialBalance\":0,\"x\":" + NESTED + "}").expect(400, NO_USER),
                bad("registration: form-encoded", "POST", USERS).body("application/x-www-form-urlencoded", s -> "userId=bad-input-form&password=long+enough&initialBalance=0").expect(400, NO_USER),

                bad("registration: password of 7 characters", "POST", USERS).json(registration(q(PREFIX + "pw7"), q("1234567"), "0")).expect(400, INVALID),
                bad("registration: password of 7 two-byte characters", "POST", USERS).json(registration(q(PREFIX + "pw7e"), q("\u00e9".repeat(7)), "0")).expect(400, INVALID),
                bad("registration: password of 73 bytes", "POST", USERS).json(registration(q(PREFIX + "pw73"), q("p".repeat(73)), "0")).expect(400, INVALID),
                bad("registration: password of 25 three-byte characters (75 bytes)", "POST", USERS).json(registration(q(PREFIX + "pw75"), q("\u20ac".repeat(25)), "0")).expect(400, INVALID),
                bad("registration: password of 5,000 characters", "POST", USERS).json(registration(q(PREFIX + "pw5000"), q("p".repeat(5_000)), "0")).expect(400, INVALID),
                bad("registration: password empty", "POST", USERS).json(registration(q(PREFIX + "pw0"), q(""), "0")).expect(400, INVALID),
                bad("registration: password missing", "POST", USERS).json("{\"userId\":\"bad-input-no-pw\",\"initialBalance\":0}").expect(400, INVALID),
                bad("registration: password null", "POST", USERS).json(registration(q(PREFIX + "pw-null"), "null", "0")).expect(400, INVALID),
                bad("registration: password a number", "POST", USERS).json(registration(q(PREFIX + "pw-number"), "12345678901", "0")).expect(400, MALFORMED),
                bad("registration: password an array", "POST", USERS).json(registration(q(PREFIX + "pw-array"), "[\"long enough\"]", "0")).expect(400, MALFORMED),
                bad("registration: short password with an escaped NUL", "POST", USERS).json(registration(q(PREFIX + "pw-nul"), q("ab\\u0000cd"), "0")).expect(400, INVALID),

                bad("registration: initialBalance missing", "POST", USERS).json("{\"userId\":\"bad-input-no-balance\",\"password\":\"long enough\"}").expect(400, INVALID),
                bad("registration: initialBalance null", "POST", USERS).json(registration(q(PREFIX + "b-null"), GOOD_PASSWORD, "null")).expect(400, INVALID),
                bad("registration: initialBalance -1", "POST", USERS).json(registration(q(PREFIX + "b-negative"), GOOD_PASSWORD, "-1")).expect(400, INVALID),
                bad("registration: initialBalance 100,000,001 (above the cap)", "POST", USERS).json(registration(q(PREFIX + "b-cap"), GOOD_PASSWORD, "100000001")).expect(400, INVALID),
                bad("registration: initialBalance Long.MAX_VALUE", "POST", USERS).json(registration(q(PREFIX + "b-max"), GOOD_PASSWORD, "9223372036854775807")).expect(400, INVALID),
                bad("registration: initialBalance Long.MAX_VALUE + 1", "POST", USERS).json(registration(q(PREFIX + "b-overflow"), GOOD_PASSWORD, "9223372036854775808")).expect(400, MALFORMED),
                bad("registration: initialBalance Long.MIN_VALUE - 1", "POST", USERS).json(registration(q(PREFIX + "b-underflow"), GOOD_PASSWORD, "-9223372036854775809")).expect(400, MALFORMED),
                bad("registration: initialBalance 1.5", "POST", USERS).json(registration(q(PREFIX + "b-fraction"), GOOD_PASSWORD, "1.5")).expect(400, MALFORMED),
                bad("registration: initialBalance 100.0", "POST", USERS).json(registration(q(PREFIX + "b-float"), GOOD_PASSWORD, "100.0")).expect(400, MALFORMED),
                bad("registration: initialBalance 1e2", "POST", USERS).json(registration(q(PREFIX + "b-exponent"), GOOD_PASSWORD, "1e2")).expect(400, MALFORMED),
                bad("registration: initialBalance as a string", "POST", USERS).json(registration(q(PREFIX + "b-string"), GOOD_PASSWORD, "\"100\"")).expect(400, MALFORMED),
                bad("registration: initialBalance true", "POST", USERS).json(registration(q(PREFIX + "b-boolean"), GOOD_PASSWORD, "true")).expect(400, MALFORMED),
                bad("registration: initialBalance an object", "POST", USERS).json(registration(q(PREFIX + "b-object"), GOOD_PASSWORD, "{}")).expect(400, MALFORMED),
                bad("registration: initialBalance an array", "POST", USERS).json(registration(q(PREFIX + "b-array"), GOOD_PASSWORD, "[100]")).expect(400, MALFORMED),
                bad("registration: initialBalance of 401 digits", "POST", USERS).json(registration(q(PREFIX + "b-huge"), GOOD_PASSWORD, "1" + "0".repeat(400))).expect(400, MALFORMED),

                bad("registration: 15 KB extra field and a short password", "POST", USERS)
                        .json("{\"userId\":\"bad-input-padded\",\"password\":\"short\",\"initialBalance\":0,\"padding\":\"" + pad(15 * 1024) + "\"}").expect(400, INVALID),
                bad("registration: valid, in a 17 KB body", "POST", USERS).json(padded(valid, 17 * 1024)).expect(413, TOO_LARGE),
                bad("registration: valid, in a 20 KB chunked body", "POST", USERS).json(padded(valid, 20 * 1024)).chunked().expect(413, TOO_LARGE),
                bad("registration: chunked, short password", "POST", USERS).json(registration(q(PREFIX + "chunked"), q("short"), "0")).chunked().expect(400, INVALID),
                bad("registration: Content-Length of 1 MB, small body", "POST", USERS).json(valid).declaredLength(1_000_000).expect(413, TOO_LARGE),
                // The gateway reads as many bytes as announced: a cut body names no user.
                bad("registration: Content-Length shorter than the body", "POST", USERS).json(valid).declaredLength(20).expect(400, NO_USER),
                bad("registration: valid, as text/plain", "POST", USERS).body("text/plain", s -> valid).expect(415, MEDIA_TYPE),
                bad("registration: valid, without Content-Type", "POST", USERS).body(null, s -> valid).expect(415, MEDIA_TYPE));
    }

    /** Logins: the gateway routes by the body's userId, account-service checks the rest. */
    private static List<BadRequest> logins() {
        Function<Session, String> rightPassword = s -> login(q(s.userId()), q(SETUP_PASSWORD));
        return List.of(
                bad("login: not JSON", "POST", SESSIONS).json("hello").expect(400, NO_USER),
                bad("login: userId missing", "POST", SESSIONS).json("{\"password\":\"long enough\"}").expect(400, NO_USER),
                bad("login: userId of 65 characters", "POST", SESSIONS).json(login(q(PREFIX + "y".repeat(55)), GOOD_PASSWORD)).expect(400, NO_USER),
                bad("login: userId with an escaped bell", "POST", SESSIONS).json(login(q(PREFIX + "ring\\u0007"), GOOD_PASSWORD)).expect(400, NO_USER),
                bad("login: two userId fields, the first real", "POST", SESSIONS)
                        .json(s -> "{\"userId\":\"" + s.userId() + "\",\"userId\":\"bad-input-other\",\"password\":\"" + SETUP_PASSWORD + "\"}").expect(400, NO_USER),
                bad("login: password missing", "POST", SESSIONS).json(s -> "{\"userId\":\"" + s.userId() + "\"}").expect(400, INVALID),
                bad("login: password null", "POST", SESSIONS).json(s -> login(q(s.userId()), "null")).expect(400, INVALID),
                bad("login: password a number", "POST", SESSIONS).json(s -> login(q(s.userId()), "12345678")).expect(400, MALFORMED),
                bad("login: wrong password", "POST", SESSIONS).json(s -> login(q(s.userId()), q("wrong horse battery"))).expect(401, INVALID_CREDENTIALS),
                bad("login: password of 5,000 characters", "POST", SESSIONS).json(s -> login(q(s.userId()), q("p".repeat(5_000)))).expect(401, INVALID_CREDENTIALS),
                bad("login: a user that does not exist", "POST", SESSIONS).json(login(q(PREFIX + "ghost"), GOOD_PASSWORD)).expect(401, INVALID_CREDENTIALS),
                bad("login: right password, as text/plain", "POST", SESSIONS).body("text/plain", rightPassword).expect(415, MEDIA_TYPE),
                bad("login: right password, without Content-Type", "POST", SESSIONS).body(null, rightPassword).expect(415, MEDIA_TYPE),
                bad("login: right password, in a 17 KB body", "POST", SESSIONS).json(s -> padded(rightPassword.apply(s), 17 * 1024)).expect(413, TOO_LARGE));
    }

    /**
     * Transfers by the session's user, to a payee that does not exist: were a case to get through
     * validation it would be refused as 422 unknown_payee, still writing nothing.
     */
    private static List<BadRequest> transfers() {
        return List.of(
                transferOf("not JSON", "hello").expect(400, MALFORMED),
                transferOf("truncated JSON", "{\"toUserId\":").expect(400, MALFORMED),
                transferOf("empty body", "").expect(400, MALFORMED),
                transferOf("JSON null", "null").expect(400, MALFORMED),
                transferOf("an array around a valid one", "[" + VALID_TRANSFER + "]").expect(400, MALFORMED),
                transferOf("two objects", VALID_TRANSFER + VALID_TRANSFER).expect(400, MALFORMED),
                transferOf("toUserId missing", "{\"amount\":1,\"idempotencyKey\":\"k\"}").expect(400, INVALID),
                transferOf("amount missing", "{\"toUserId\":\"bad-input-payee\",\"idempotencyKey\":\"k\"}").expect(400, INVALID),
                transferOf("idempotencyKey missing", "{\"toUserId\":\"bad-input-payee\",\"amount\":1}").expect(400, INVALID),
                transferOf("amount null", transfer(q(PAYEE), "null", q("k"))).expect(400, INVALID),
                transferOf("amount as a string", transfer(q(PAYEE), "\"100\"", q("k"))).expect(400, MALFORMED),
                transferOf("amount 1.5", transfer(q(PAYEE), "1.5", q("k"))).expect(400, MALFORMED),
                transferOf("amount 10.0", transfer(q(PAYEE), "10.0", q("k"))).expect(400, MALFORMED),
                transferOf("amount 1e2", transfer(q(PAYEE), "1e2", q("k"))).expect(400, MALFORMED),
                transferOf("amount 1E+2", transfer(q(PAYEE), "1E+2", q("k"))).expect(400, MALFORMED),
                transferOf("amount true", transfer(q(PAYEE), "true", q("k"))).expect(400, MALFORMED),
                transferOf("amount an object", transfer(q(PAYEE), "{\"value\":1}", q("k"))).expect(400, MALFORMED),
                transferOf("amount an array", transfer(q(PAYEE), "[1]", q("k"))).expect(400, MALFORMED),
                transferOf("amount NaN", transfer(q(PAYEE), "NaN", q("k"))).expect(400, MALFORMED),
                transferOf("amount with a leading zero", transfer(q(PAYEE), "01", q("k"))).expect(400, MALFORMED),
                transferOf("amount in hexadecimal", transfer(q(PAYEE), "0x10", q("k"))).expect(400, MALFORMED),
                transferOf("amount 0", transfer(q(PAYEE), "0", q("k"))).expect(400, INVALID),
                transferOf("amount -0", transfer(q(PAYEE), "-0", q("k"))).expect(400, INVALID),
                transferOf("amount -5", transfer(q(PAYEE), "-5", q("k"))).expect(400, INVALID),
                transferOf("amount 100,000,000,001 (above the cap)", transfer(q(PAYEE), "100000000001", q("k"))).expect(400, INVALID),
                transferOf("amount Long.MAX_VALUE", transfer(q(PAYEE), "9223372036854775807", q("k"))).expect(400, INVALID),
                transferOf("amount Long.MAX_VALUE + 1", transfer(q(PAYEE), "9223372036854775808", q("k"))).expect(400, MALFORMED),
                transferOf("amount Long.MIN_VALUE - 1", transfer(q(PAYEE), "-9223372036854775809", q("k"))).expect(400, MALFORMED),
                transferOf("amount of 401 digits", transfer(q(PAYEE), "1" + "0".repeat(400), q("k"))).expect(400, MALFORMED),
                transferOf("amount of 2,000 digits", transfer(q(PAYEE), "9".repeat(2_000), q("k"))).expect(400, MALFORMED),
                transferOf("toUserId a number", transfer("42", "1", q("k"))).expect(400, MALFORMED),
                transferOf("idempotencyKey a number", transfer(q(PAYEE), "1", "7")).expect(400, MALFORMED),
                transferOf("two amount fields", "{\"toUserId\":\"bad-input-payee\",\"amount\":1,\"amount\":900,\"idempotencyKey\":\"k\"}").expect(400, MALFORMED),
                transferOf("two toUserId fields", "{\"toUserId\":\"bad-input-payee\",\"toUserId\":\"bad-input-other\",\"amount\":1,\"idempotencyKey\":\"k\"}").expect(400, MALFORMED),
                bad("transfer: to oneself", "POST", TRANSFERS).session().json(s -> transfer(q(s.userId()), "1", q("k"))).expect(422, "self_transfer"),
                transferOf("toUserId not ASCII", transfer(q(PREFIX + "jos\u00e9"), "1", q("k"))).expect(400, INVALID),
                transferOf("toUserId with an escaped NUL", transfer(q(PREFIX + "nul\\u0000"), "1", q("k"))).expect(400, INVALID),
                transferOf("toUserId with an escaped line break", transfer(q(PREFIX + "a\\nb"), "1", q("k"))).expect(400, INVALID),
                transferOf("toUserId with a zero-width space", transfer(q(PREFIX + "zero\u200bwidth"), "1", q("k"))).expect(400, INVALID),
                transferOf("toUserId with a right-to-left override", transfer(q(PREFIX + "\u202epayee"), "1", q("k"))).expect(400, INVALID),
                transferOf("toUserId of 65 characters", transfer(q(PREFIX + "z".repeat(55)), "1", q("k"))).expect(400, INVALID),
                transferOf("toUserId empty", transfer(q(""), "1", q("k"))).expect(400, INVALID),
                transferOf("idempotencyKey empty", transfer(q(PAYEE), "1", q(""))).expect(400, INVALID),
                transferOf("idempotencyKey of 65 characters", transfer(q(PAYEE), "1", q("k".repeat(65)))).expect(400, INVALID),
                transferOf("idempotencyKey with an escaped NUL", transfer(q(PAYEE), "1", q("k\\u0000"))).expect(400, INVALID),
                transferOf("idempotencyKey with DEL", transfer(q(PAYEE), "1", q("k\\u007f"))).expect(400, INVALID),
                transferOf("idempotencyKey with a C1 control (NEL)", transfer(q(PAYEE), "1", q("k\\u0085"))).expect(400, INVALID),
                transferOf("raw NUL byte in a string", transfer(q(PREFIX + "nul\u0000"), "1", q("k"))).expect(400, MALFORMED),
                transferOf("raw line break in a string", transfer(q(PREFIX + "a\nb"), "1", q("k"))).expect(400, MALFORMED),
                bad("transfer: not valid UTF-8", "POST", TRANSFERS).session()
                        .bytes("application/json", withInvalidUtf8("{\"toUserId\":\"bad-input-", "\",\"amount\":1,\"idempotencyKey\":\"k\"}")).expect(400, MALFORMED),
                transferOf("amount nested 5,000 arrays deep", transfer(q(PAYEE), NESTED, q("k"))).expect(400, MALFORMED),
                transferOf("15 KB extra field and amount 0", padded(transfer(q(PAYEE), "0", q("k")), 15 * 1024)).expect(400, INVALID),
                transferOf("17 KB body", padded(VALID_TRANSFER, 17 * 1024)).expect(413, TOO_LARGE),
                transferOf("20 KB chunked body", padded(VALID_TRANSFER, 20 * 1024)).chunked().expect(413, TOO_LARGE),
                transferOf("chunked, not JSON", "hello").chunked().expect(400, MALFORMED),
                transferOf("Content-Length of 1 MB, small body", VALID_TRANSFER).declaredLength(1_000_000).expect(413, TOO_LARGE),
                // The gateway passes on exactly as many bytes as announced: a cut document.
                transferOf("Content-Length shorter than the body", VALID_TRANSFER).declaredLength(20).expect(400, MALFORMED),
                bad("transfer: as text/plain", "POST", TRANSFERS).session().body("text/plain", s -> VALID_TRANSFER).expect(415, MEDIA_TYPE),
                bad("transfer: without Content-Type", "POST", TRANSFERS).session().body(null, s -> VALID_TRANSFER).expect(415, MEDIA_TYPE),
                bad("transfer: as application/xml", "POST", TRANSFERS).session()
                        .body("application/xml", s -> "<transfer><toUserId>bad-input-payee</toUserId><amount>1</amount></transfer>").expect(415, MEDIA_TYPE),
                bad("transfer: Content-Type without a slash", "POST", TRANSFERS).session().body("json", s -> VALID_TRANSFER).expect(415, MEDIA_TYPE),
                // The gateway replaces these with its own; the body is what is refused.
                transferOf("client-made routing headers", "hello").header("X-Unit: -1").header("X-Routing-Epoch: not-an-epoch").expect(400, MALFORMED));
    }

    /** New posts by the session's user; the valid ones among them must be stopped by what else is wrong. */
    private static List<BadRequest> posts() {
        return List.of(
                postOf("not JSON", "hello").expect(400, MALFORMED),
                postOf("truncated JSON", "{\"body\":").expect(400, MALFORMED),
                postOf("empty request body", "").expect(400, MALFORMED),
                postOf("JSON null", "null").expect(400, MALFORMED),
                postOf("an array around a valid one", "[" + VALID_POST + "]").expect(400, MALFORMED),
                postOf("body a number", "{\"body\":42}").expect(400, MALFORMED),
                postOf("body an object", "{\"body\":{}}").expect(400, MALFORMED),
                postOf("body an array", "{\"body\":[\"hi\"]}").expect(400, MALFORMED),
                postOf("two body fields", "{\"body\":\"one\",\"body\":\"two\"}").expect(400, MALFORMED),
                postOf("body missing", "{}").expect(400, INVALID),
                postOf("body null", "{\"body\":null}").expect(400, INVALID),
                postOf("body empty", "{\"body\":\"\"}").expect(400, INVALID),
                postOf("body blank", "{\"body\":\" \\n\\t \"}").expect(400, INVALID),
                postOf("body of 4,097 characters", "{\"body\":\"" + "x".repeat(4_097) + "\"}").expect(400, INVALID),
                postOf("body with an escaped NUL", "{\"body\":\"a\\u0000b\"}").expect(400, INVALID),
                postOf("body with a bell", "{\"body\":\"ring \\u0007\"}").expect(400, INVALID),
                postOf("body with a lone surrogate", "{\"body\":\"half \\ud83d\"}").expect(400, INVALID),
                postOf("raw NUL byte in the body", "{\"body\":\"a\u0000b\"}").expect(400, MALFORMED),
                bad("post: not valid UTF-8", "POST", POSTS).session().bytes("application/json", withInvalidUtf8("{\"body\":\"caf", "\"}")).expect(400, MALFORMED),
                postOf("body nested 5,000 arrays deep", "{\"body\":" + NESTED + "}").expect(400, MALFORMED),
                postOf("15 KB extra field and an empty body", padded("{\"body\":\"\"}", 15 * 1024)).expect(400, INVALID),
                // 4,096 characters are allowed, but as emoji they take 16 KB of UTF-8 (news-service README).
                postOf("4,096 emoji, over 16 KB", "{\"body\":\"" + "\uD83D\uDE00".repeat(4_096) + "\"}").expect(413, TOO_LARGE),
                postOf("valid, in a 20 KB body", padded(VALID_POST, 20 * 1024)).expect(413, TOO_LARGE),
                postOf("valid, in a 20 KB chunked body", padded(VALID_POST, 20 * 1024)).chunked().expect(413, TOO_LARGE),
                bad("post: valid, as text/plain", "POST", POSTS).session().body("text/plain", s -> VALID_POST).expect(415, MEDIA_TYPE),
                bad("post: valid, without Content-Type", "POST", POSTS).session().body(null, s -> VALID_POST).expect(415, MEDIA_TYPE));
    }

    /**
     * Tokens. A header the gateway cannot read a user from is its own 401 ({@code no_user} when there
     * is none, {@code invalid_token} when it is not shaped like a session token); a well-shaped token
     * goes to the home site of the user it names, where the service refuses it ({@code unauthenticated}).
     * Writes carry valid bodies: only the token stands between them and the database.
     */
    private static List<BadRequest> authorization() {
        String basic = "Basic " + Base64.getEncoder().encodeToString((PREFIX + "basic:long enough").getBytes(UTF_8));
        Instant inAnHour = Instant.now().plus(Duration.ofHours(1));
        Instant anHourAgo = Instant.now().minus(Duration.ofHours(1));
        return List.of(
                bad("account: no Authorization", "GET", ME).expect(401, NO_USER),
                bad("account: Basic credentials", "GET", ME).authorization(basic).expect(401, INVALID_TOKEN),
                bad("account: Digest credentials", "GET", ME).authorization("Digest username=\"bad-input-digest\", realm=\"multisite\"").expect(401, INVALID_TOKEN),
                bad("account: the word Bearer alone", "GET", ME).authorization("Bearer").expect(401, INVALID_TOKEN),
                bad("account: token of one part", "GET", ME).authorization("Bearer garbage").expect(401, INVALID_TOKEN),
                bad("account: token of two parts", "GET", ME).authorization("Bearer bad-input-two.parts").expect(401, INVALID_TOKEN),
                bad("account: unsigned JWT (three parts)", "GET", ME).authorization("Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJiYWQtaW5wdXQtand0In0.").expect(401, INVALID_TOKEN),
                bad("account: token of five parts", "GET", ME).token(s -> s.token() + ".extra").expect(401, INVALID_TOKEN),
                bad("account: token without its signature", "GET", ME).token(s -> s.tokenWith(3, "")).expect(401, INVALID_TOKEN),
                bad("account: session id not a UUID", "GET", ME).token(s -> s.tokenWith(1, "not-a-uuid")).expect(401, INVALID_TOKEN),
                bad("account: expiry not a number", "GET", ME).token(s -> s.tokenWith(2, "tomorrow")).expect(401, INVALID_TOKEN),
                bad("account: user id of 65 characters", "GET", ME).token(s -> s.tokenWith(0, PREFIX + "u".repeat(55))).expect(401, INVALID_TOKEN),
                // Sent as raw UTF-8 bytes in the header, which java.net.http would refuse to send.
                bad("account: user id not ASCII", "GET", ME).token(s -> s.tokenWith(0, PREFIX + "jos\u00e9")).expect(401, INVALID_TOKEN),
                // Huge, but under the 8 KB that the HTTP servers allow for a request's headers.
                bad("account: user id of 6,000 characters", "GET", ME).token(s -> s.tokenWith(0, PREFIX + "u".repeat(6_000))).expect(401, INVALID_TOKEN),
                bad("account: signature of 4,000 characters", "GET", ME).token(s -> s.tokenWith(3, "A".repeat(4_000))).expect(401, UNAUTHENTICATED),
                bad("account: a signature that is not the token's", "GET", ME).token(s -> s.tokenWith(3, "A".repeat(43))).expect(401, UNAUTHENTICATED),
                bad("account: token with its expiry moved", "GET", ME).token(s -> s.tokenWith(2, Long.toString(inAnHour.plus(Duration.ofDays(365)).getEpochSecond()))).expect(401, UNAUTHENTICATED),
                bad("account: token with another user id", "GET", ME).token(s -> s.tokenWith(0, PREFIX + "other")).expect(401, UNAUTHENTICATED),
                bad("account: signed, another user with this session", "GET", ME).token(s -> s.signed(PREFIX + "forged", inAnHour)).expect(401, UNAUTHENTICATED),
                bad("account: signed, expired an hour ago", "GET", ME).token(s -> s.signed(s.userId(), anHourAgo)).expect(401, UNAUTHENTICATED),
                // 13 digits: the gateway's shape check allows up to 18, the codec up to 12.
                bad("account: signed, expiry of 13 digits", "GET", ME).token(s -> s.signed(s.userId(), Instant.ofEpochSecond(1_000_000_000_000L))).expect(401, UNAUTHENTICATED),
                bad("account: token in another header", "GET", ME).header("X-Session-Token: ${token}").expect(401, NO_USER),
                bad("account: token in the query", "GET", ME + "?access_token=" + PREFIX + "query").expect(401, NO_USER),

                bad("transfer: no Authorization", "POST", TRANSFERS).json(VALID_TRANSFER).expect(401, NO_USER),
                bad("transfer: a signature that is not the token's", "POST", TRANSFERS).token(s -> s.tokenWith(3, "A".repeat(43))).json(VALID_TRANSFER).expect(401, UNAUTHENTICATED),
                bad("transfer: signed, expired an hour ago", "POST", TRANSFERS).token(s -> s.signed(s.userId(), anHourAgo)).json(VALID_TRANSFER).expect(401, UNAUTHENTICATED),
                bad("transfer: signed, another user with this session", "POST", TRANSFERS).token(s -> s.signed(PREFIX + "forged", inAnHour)).json(VALID_TRANSFER).expect(401, UNAUTHENTICATED),
                bad("post: no Authorization", "POST", POSTS).json(VALID_POST).expect(401, NO_USER),
                bad("post: a signature that is not the token's", "POST", POSTS).token(s -> s.tokenWith(3, "A".repeat(43))).json(VALID_POST).expect(401, UNAUTHENTICATED),
                bad("post: signed, expired an hour ago", "POST", POSTS).token(s -> s.signed(s.userId(), anHourAgo)).json(VALID_POST).expect(401, UNAUTHENTICATED),
                bad("post: signed, another user with this session", "POST", POSTS).token(s -> s.signed(PREFIX + "forged", inAnHour)).json(VALID_POST).expect(401, UNAUTHENTICATED));
    }

    /** Ids in paths and query parameters: 400 when malformed, 404 when well-formed but naming nothing. */
    private static List<BadRequest> idsAndParameters() {
        String oneUuidTooLong = NO_SUCH_POST + "0";
        String notHex = "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz";
        String snowman = "%E2%98%83";
        return List.of(
                bad("post read: id not a UUID", "GET", POSTS + "/not-a-uuid").expect(400, INVALID),
                bad("post read: id of 37 characters", "GET", POSTS + "/" + oneUuidTooLong).expect(400, INVALID),
                bad("post read: id of non-hex digits", "GET", POSTS + "/" + notHex).expect(400, INVALID),
                bad("post read: id of 1,000 characters", "GET", POSTS + "/" + "1".repeat(1_000)).expect(400, INVALID),
                bad("post read: id not ASCII", "GET", POSTS + "/" + snowman).expect(400, INVALID),
                bad("post read: a post that does not exist", "GET", POSTS + "/" + NO_SUCH_POST).expect(404, NOT_FOUND),
                bad("post edit: id not a UUID", "PUT", POSTS + "/not-a-uuid").session().json(VALID_POST).expect(400, INVALID),
                bad("post edit: a post that does not exist", "PUT", POSTS + "/" + NO_SUCH_POST).session().json(VALID_POST).expect(404, NOT_FOUND),
                bad("post edit: body of 4,097 characters", "PUT", POSTS + "/" + NO_SUCH_POST).session().json("{\"body\":\"" + "x".repeat(4_097) + "\"}").expect(400, INVALID),
                bad("post edit: body a number", "PUT", POSTS + "/" + NO_SUCH_POST).session().json("{\"body\":42}").expect(400, MALFORMED),
                bad("post edit: valid, in a 20 KB body", "PUT", POSTS + "/" + NO_SUCH_POST).session().json(padded(VALID_POST, 20 * 1024)).expect(413, TOO_LARGE),
                bad("post delete: id not a UUID", "DELETE", POSTS + "/not-a-uuid").session().expect(400, INVALID),
                bad("post delete: a post that does not exist", "DELETE", POSTS + "/" + NO_SUCH_POST).session().expect(404, NOT_FOUND),

                bad("transfer read: id not a UUID", "GET", TRANSFERS + "/not-a-uuid").session().expect(400, INVALID),
                bad("transfer read: id 12345", "GET", TRANSFERS + "/12345").session().expect(400, INVALID),
                bad("transfer read: id of 37 characters", "GET", TRANSFERS + "/" + NO_SUCH_TRANSFER + "0").session().expect(400, INVALID),
                bad("transfer read: id of non-hex digits", "GET", TRANSFERS + "/" + notHex).session().expect(400, INVALID),
                bad("transfer read: id of 1,000 characters", "GET", TRANSFERS + "/" + "1".repeat(1_000)).session().expect(400, INVALID),
                bad("transfer read: id not ASCII", "GET", TRANSFERS + "/" + snowman).session().expect(400, INVALID),
                bad("transfer read: a transfer that does not exist", "GET", TRANSFERS + "/" + NO_SUCH_TRANSFER).session().expect(404, NOT_FOUND),
                bad("transfer read: without a session", "GET", TRANSFERS + "/not-a-uuid").expect(401, NO_USER),
                bad("transfer list: limit=0", "GET", TRANSFERS + "?limit=0").session().expect(400, INVALID),
                bad("transfer list: limit=-1", "GET", TRANSFERS + "?limit=-1").session().expect(400, INVALID),
                bad("transfer list: limit=101", "GET", TRANSFERS + "?limit=101").session().expect(400, INVALID),
                bad("transfer list: limit=abc", "GET", TRANSFERS + "?limit=abc").session().expect(400, INVALID),
                bad("transfer list: limit=1.5", "GET", TRANSFERS + "?limit=1.5").session().expect(400, INVALID),
                bad("transfer list: limit=99999999999", "GET", TRANSFERS + "?limit=99999999999").session().expect(400, INVALID),

                bad("feed: limit=0", "GET", "/api/feed?limit=0").expect(400, INVALID),
                bad("feed: limit=-1", "GET", "/api/feed?limit=-1").expect(400, INVALID),
                bad("feed: limit=101", "GET", "/api/feed?limit=101").expect(400, INVALID),
                bad("feed: limit=abc", "GET", "/api/feed?limit=abc").expect(400, INVALID),
                bad("feed: limit=1.5", "GET", "/api/feed?limit=1.5").expect(400, INVALID),
                bad("feed: limit=99999999999", "GET", "/api/feed?limit=99999999999").expect(400, INVALID),
                bad("feed: before=not-a-uuid", "GET", "/api/feed?before=not-a-uuid").expect(400, INVALID),
                // A post id is a UUIDv7; a random (version 4) UUID carries no time to page by.
                bad("feed: before a version 4 UUID", "GET", "/api/feed?before=" + NO_SUCH_POST).expect(400, INVALID),
                bad("feed: a 20 KB body on a GET", "GET", "/api/feed").json(padded("{\"limit\":1}", 20 * 1024)).expect(413, TOO_LARGE));
    }

    /** Methods a path does not take, and paths nothing serves. */
    private static List<BadRequest> methodsAndPaths() {
        String registration = registration(q(PREFIX + "wrong-method"), GOOD_PASSWORD, "0");
        return List.of(
                bad("method: PUT /api/users", "PUT", USERS).session().json(registration).expect(405, METHOD),
                bad("method: DELETE /api/users", "DELETE", USERS).session().expect(405, METHOD),
                bad("method: PATCH /api/users", "PATCH", USERS).session().json(registration).expect(405, METHOD),
                bad("method: GET /api/users", "GET", USERS).session().expect(405, METHOD),
                // Only POST is routed by the body's user; any other method needs a session to be routed.
                bad("method: PUT /api/users without a session", "PUT", USERS).json(registration).expect(401, NO_USER),
                bad("method: PUT /api/sessions", "PUT", SESSIONS).session().json(s -> login(q(s.userId()), q(SETUP_PASSWORD))).expect(405, METHOD),
                bad("method: DELETE /api/sessions", "DELETE", SESSIONS).session().expect(405, METHOD),
                bad("method: PATCH /api/sessions", "PATCH", SESSIONS).session().json("{}").expect(405, METHOD),
                bad("method: PUT /api/transfers", "PUT", TRANSFERS).session().json(VALID_TRANSFER).expect(405, METHOD),
                bad("method: DELETE /api/transfers", "DELETE", TRANSFERS).session().expect(405, METHOD),
                bad("method: PATCH /api/transfers", "PATCH", TRANSFERS).session().json(VALID_TRANSFER).expect(405, METHOD),
                bad("method: DELETE /api/transfers/{id}", "DELETE", TRANSFERS + "/" + NO_SUCH_TRANSFER).session().expect(405, METHOD),
                bad("method: POST /api/accounts/me", "POST", ME).session().json("{}").expect(405, METHOD),
                bad("method: DELETE /api/accounts/me", "DELETE", ME).session().expect(405, METHOD),
                bad("method: PUT /api/posts", "PUT", POSTS).session().json(VALID_POST).expect(405, METHOD),
                bad("method: DELETE /api/posts", "DELETE", POSTS).session().expect(405, METHOD),
                bad("method: PATCH /api/posts/{id}", "PATCH", POSTS + "/" + NO_SUCH_POST).session().json(VALID_POST).expect(405, METHOD),
                bad("method: POST /api/posts/{id}", "POST", POSTS + "/" + NO_SUCH_POST).session().json(VALID_POST).expect(405, METHOD),
                // The gateway routes the feed for GET only, so other methods match no route.
                bad("method: POST /api/feed", "POST", "/api/feed").session().json("{}").expect(404, NOT_FOUND),
                bad("method: DELETE /api/feed", "DELETE", "/api/feed").expect(404, NOT_FOUND),
                bad("method: TRACE /api/feed", "TRACE", "/api/feed").expect(404, NOT_FOUND),
                bad("method: TRACE /api/accounts/me without a session", "TRACE", ME).expect(401, NO_USER),
                bad("method: TRACE /api/users without a session", "TRACE", USERS).expect(401, NO_USER),

                bad("path: /api", "GET", "/api").expect(404, NOT_FOUND),
                bad("path: /api/", "GET", "/api/").expect(404, NOT_FOUND),
                bad("path: /api/nothing-here", "GET", "/api/nothing-here").session().expect(404, NOT_FOUND),
                bad("path: /api/feed/extra", "GET", "/api/feed/extra").expect(404, NOT_FOUND),
                bad("path: /api2/users", "POST", "/api2/users").json(registration).expect(404, NOT_FOUND),
                bad("path: /api/accounts", "GET", "/api/accounts").session().expect(404, NOT_FOUND),
                bad("path: /api/accounts/someone-else", "GET", "/api/accounts/" + PREFIX + "someone").session().expect(404, NOT_FOUND),
                bad("path: /api/posts/{id}/comments", "GET", POSTS + "/" + NO_SUCH_POST + "/comments").session().expect(404, NOT_FOUND),
                bad("path: /api/users/{id}/profile", "GET", USERS + "/" + PREFIX + "lookup/profile").expect(404, NOT_FOUND),
                bad("path: POST /api/users/ with a trailing slash", "POST", USERS + "/").session().json(registration).expect(404, NOT_FOUND),
                bad("path: /api/users/{id not ASCII}", "GET", USERS + "/" + PREFIX + "%C3%BC/profile").expect(400, NO_USER),
                bad("path: /api/users/{id with an encoded NUL}", "GET", USERS + "/" + PREFIX + "%00/profile").expect(400, NO_USER),
                bad("path: /api/users/{id of 65 characters}", "GET", USERS + "/" + PREFIX + "v".repeat(55)).expect(400, NO_USER));
    }

    // ---- how cases are written down ------------------------------------------------------------

    private static Case bad(String name, String method, String target) {
        return new Case(name, method, target);
    }

    private static Case transferOf(String name, String json) {
        return bad("transfer: " + name, "POST", TRANSFERS).session().json(json);
    }

    private static Case postOf(String name, String json) {
        return bad("post: " + name, "POST", POSTS).session().json(json);
    }

    /** A JSON string of {@code text} as written: JSON escapes in it stay escapes. */
    private static String q(String text) {
        return "\"" + text + "\"";
    }

    /** Each argument is a JSON value as it is to appear in the body. */
    private static String registration(String userId, String password, String initialBalance) {
        return "{\"userId\":" + userId + ",\"password\":" + password + ",\"initialBalance\":" + initialBalance + "}";
    }

    private static String login(String userId, String password) {
        return "{\"userId\":" + userId + ",\"password\":" + password + "}";
    }

    private static String transfer(String toUserId, String amount, String idempotencyKey) {
        return "{\"toUserId\":" + toUserId + ",\"amount\":" + amount + ",\"idempotencyKey\":" + idempotencyKey + "}";
    }

    /** The object {@code json} with a field "padding" added that makes the whole at least {@code bytes} long. */
    private static String padded(String json, int bytes) {
        return json.substring(0, json.length() - 1) + ",\"padding\":\"" + pad(bytes) + "\"}";
    }

    private static String pad(int bytes) {
        return "x".repeat(bytes);
    }

    /** Two bytes that are not UTF-8 (a lead byte followed by '(') between two pieces of JSON. */
    private static byte[] withInvalidUtf8(String head, String tail) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes(head.getBytes(UTF_8));
        bytes.write(0xC3);
        bytes.write(0x28);
        bytes.writeBytes(tail.getBytes(UTF_8));
        return bytes.toByteArray();
    }

    /** A request being written down; {@link #expect} completes it. */
    private static final class Case {

        private final String name;
        private final String method;
        private final String target;
        private Function<Session, String> authorization = s -> null;
        private final List<String> headers = new ArrayList<>();
        private Function<Session, byte[]> body;
        private boolean chunked;
        private int declaredLength = -1;

        Case(String name, String method, String target) {
            this.name = name;
            this.method = method;
            this.target = target;
        }

        /** The valid session token of the user set up for this class. */
        Case session() {
            return token(Session::token);
        }

        Case token(Function<Session, String> token) {
            authorization = s -> "Bearer " + token.apply(s);
            return this;
        }

        Case authorization(String value) {
            authorization = s -> value;
            return this;
        }

        /** A header line; {@code ${token}} in it stands for the session's token. */
        Case header(String line) {
            headers.add(line);
            return this;
        }

        Case json(String json) {
            return body("application/json", s -> json);
        }

        Case json(Function<Session, String> json) {
            return body("application/json", json);
        }

        /** @param contentType null to send the body without a Content-Type */
        Case body(String contentType, Function<Session, String> text) {
            if (contentType != null) {
                headers.add("Content-Type: " + contentType);
            }
            body = s -> text.apply(s).getBytes(UTF_8);
            return this;
        }

        Case bytes(String contentType, byte[] bytes) {
            headers.add("Content-Type: " + contentType);
            body = s -> bytes;
            return this;
        }

        /** Transfer-Encoding: chunked, so that no Content-Length tells the size in advance. */
        Case chunked() {
            chunked = true;
            return this;
        }

        /** A Content-Length that differs from the bytes sent. */
        Case declaredLength(int length) {
            declaredLength = length;
            return this;
        }

        BadRequest expect(int status, String error) {
            return new BadRequest(-1, name, method, target, authorization, List.copyOf(headers), body, chunked,
                    declaredLength, status, error);
        }
    }

    /**
     * One case of the corpus.
     *
     * @param number its place in the corpus, which also picks its gateway
     * @param status the status it must get
     * @param error  the {@code error} code it must get
     */
    record BadRequest(int number, String name, String method, String target, Function<Session, String> authorization,
                      List<String> headers, Function<Session, byte[]> body, boolean chunked, int declaredLength,
                      int status, String error) {

        BadRequest numbered(int n) {
            return new BadRequest(n, name, method, target, authorization, headers, body, chunked, declaredLength, status, error);
        }

        String site() {
            return SITES.get(number % SITES.size());
        }

        RawHttp.Response send(Session session) {
            List<String> lines = new ArrayList<>();
            String credentials = authorization.apply(session);
            if (credentials != null) {
                lines.add("Authorization: " + credentials);
            }
            headers.forEach(line -> lines.add(line.replace("${token}", session.token())));
            byte[] bytes = body == null ? null : body.apply(session);
            return RawHttp.exchange(Gateways.PORTS.get(site()), method, target, lines, bytes, chunked, declaredLength);
        }

        @Override
        public String toString() {
            return String.format("%03d via %s: %s", number, site(), name);
        }
    }

    // ---- the deployment's databases -------------------------------------------------------------

    /** Per site, the rows of every table a request could write to. */
    private static Map<String, String> rowCounts() {
        Map<String, String> counts = new LinkedHashMap<>();
        for (String site : SITES) {
            String accounts = accounts(site, "SELECT 'users=' || (SELECT count(*) FROM users) || ' accounts=' || (SELECT count(*) FROM accounts)"
                    + " || ' sessions=' || (SELECT count(*) FROM sessions) || ' transfers=' || (SELECT count(*) FROM transfers)"
                    + " || ' ledger_entry=' || (SELECT count(*) FROM ledger_entry)");
            String news = news(site, "SELECT 'posts=' || (SELECT count(*) FROM posts) || ' sessions=' || (SELECT count(*) FROM sessions)");
            counts.put(site, "accounts: " + accounts + "; news: " + news);
        }
        return counts;
    }

    private static String accounts(String site, String sql, Object... args) {
        return psql(site, "account_service", "accounts", sql.formatted(args));
    }

    private static String news(String site, String sql, Object... args) {
        return psql(site, "news_service", "news", sql.formatted(args));
    }

    private static String psql(String site, String user, String database, String sql) {
        return compose.exec("postgres-" + site.substring("site-".length()), "psql", "-X", "-U", user, "-d", database, "-tAc", sql).strip();
    }

    // ---- HTTP/1.1 by hand -----------------------------------------------------------------------

    /**
     * One request per connection ({@code Connection: close}), written byte for byte as given. The
     * answer is read by its own framing (Content-Length or chunked), so a server that closes right
     * after a whole answer is not taken for a reset; an answer cut short, or none, is a failure.
     */
    private static final class RawHttp {

        private static final int CONNECT_TIMEOUT_MILLIS = 2_000;
        private static final int READ_TIMEOUT_MILLIS = 20_000;
        private static final int CHUNK = 4_096;

        /** @param failure why no whole answer was read (then status is -1), or null */
        record Response(int status, Map<String, String> headers, String body, String failure) {

            static Response failed(String why) {
                return new Response(-1, new TreeMap<>(), "", why);
            }

            String header(String name) {
                return headers.get(name);
            }

            @Override
            public String toString() {
                if (failure != null) {
                    return "no answer: " + failure;
                }
                String shown = body.length() > 400 ? body.substring(0, 400) + "..." : body;
                return status + " X-Served-By=" + header("X-Served-By") + " Content-Type=" + header("Content-Type") + " " + shown;
            }
        }

        private RawHttp() {
        }

        /**
         * @param body           null for none
         * @param declaredLength the Content-Length to announce, or -1 for the body's real length
         */
        static Response exchange(int port, String method, String target, List<String> headers, byte[] body, boolean chunked,
                                 int declaredLength) {
            StringBuilder head = new StringBuilder(method).append(' ').append(target).append(" HTTP/1.1\r\n")
                    .append("Host: localhost:").append(port).append("\r\n")
                    .append("Connection: close\r\n");
            headers.forEach(line -> head.append(line).append("\r\n"));
            if (body != null) {
                head.append(chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + (declaredLength >= 0 ? declaredLength : body.length))
                        .append("\r\n");
            }
            head.append("\r\n");
            ByteArrayOutputStream request = new ByteArrayOutputStream();
            // UTF-8 rather than ASCII: a case may put bytes that are not ASCII into a header on purpose.
            request.writeBytes(head.toString().getBytes(UTF_8));
            if (body != null) {
                request.writeBytes(chunked ? chunks(body) : body);
            }

            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("localhost", port), CONNECT_TIMEOUT_MILLIS);
                socket.setSoTimeout(READ_TIMEOUT_MILLIS);
                String writeFailure = null;
                try {
                    OutputStream out = socket.getOutputStream();
                    out.write(request.toByteArray());
                    out.flush();
                } catch (IOException e) {
                    // A server may answer an oversized body (413) and close before taking all of it;
                    // its answer is still there to be read.
                    writeFailure = e.toString();
                }
                try {
                    return read(new BufferedInputStream(socket.getInputStream()));
                } catch (IOException e) {
                    return Response.failed(e + (writeFailure == null ? "" : " (after the request could not be sent whole: " + writeFailure + ")"));
                }
            } catch (IOException e) {
                return Response.failed(e.toString());
            }
        }

        private static byte[] chunks(byte[] body) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int from = 0; from < body.length; from += CHUNK) {
                int length = Math.min(CHUNK, body.length - from);
                out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(ISO_8859_1));
                out.write(body, from, length);
                out.writeBytes("\r\n".getBytes(ISO_8859_1));
            }
            out.writeBytes("0\r\n\r\n".getBytes(ISO_8859_1));
            return out.toByteArray();
        }

        private static Response read(InputStream in) throws IOException {
            String statusLine = line(in);
            if (statusLine == null) {
                return Response.failed("the connection was closed without an answer");
            }
            String[] status = statusLine.split(" ", 3);
            if (status.length < 2 || !status[0].startsWith("HTTP/1.") || !status[1].matches("\\d{3}")) {
                return Response.failed("not an HTTP/1.1 status line: " + statusLine);
            }
            Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            while (true) {
                String line = line(in);
                if (line == null) {
                    return Response.failed("the connection was closed inside the headers of: " + statusLine);
                }
                if (line.isEmpty()) {
                    break;
                }
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
                }
            }
            byte[] body;
            if ("chunked".equalsIgnoreCase(headers.get("Transfer-Encoding"))) {
                body = dechunk(in);
            } else if (headers.containsKey("Content-Length")) {
                int length = Integer.parseInt(headers.get("Content-Length"));
                body = in.readNBytes(length);
                if (body.length < length) {
                    return Response.failed("the body was cut after " + body.length + " of " + length + " bytes: " + statusLine);
                }
            } else {
                body = in.readAllBytes();
            }
            return new Response(Integer.parseInt(status[1]), headers, new String(body, UTF_8), null);
        }

        private static byte[] dechunk(InputStream in) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                if (size == null) {
                    throw new IOException("the chunked body was cut short");
                }
                int extension = size.indexOf(';');
                int length = Integer.parseInt((extension < 0 ? size : size.substring(0, extension)).trim(), 16);
                if (length == 0) {
                    String trailer = line(in);
                    while (trailer != null && !trailer.isEmpty()) {
                        trailer = line(in);
                    }
                    return body.toByteArray();
                }
                byte[] chunk = in.readNBytes(length);
                if (chunk.length < length) {
                    throw new IOException("the chunked body was cut short");
                }
                body.writeBytes(chunk);
                line(in);
            }
        }

        /** A line without its CRLF, or null at the end of the stream. */
        private static String line(InputStream in) throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            for (int b = in.read(); b != '\n'; b = in.read()) {
                if (b < 0) {
                    return line.size() == 0 ? null : line.toString(ISO_8859_1);
                }
                line.write(b);
            }
            String text = line.toString(ISO_8859_1);
            return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
        }
    }
}
