package io.multisite.news.post;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;

import io.multisite.testsupport.Docker;
import io.multisite.testsupport.TestDatabase;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two sites that receive the same set of post versions, in different orders and some of them
 * more than once, end with the same rows, byte for byte: {@code apply_post} is a merge that
 * does not depend on the order of delivery.
 *
 * <p>The set holds creates, edits and deletes of a few posts, many with equal timestamps from
 * different origins, deletes followed by later edits, and duplicates. It is applied in
 * {@value #SHUFFLES} random orders (a seeded {@link Random}, so a failure can be replayed),
 * alternately to the databases {@code news} and {@code news_b}, each emptied first; every result
 * must equal the first, and the rows must be the ones a plain Java statement of the merge rule
 * ({@link #MERGE_ORDER}) picks. Applying the whole set again must change nothing.
 */
class ConvergenceIntegrationTests {

    private static final long SEED = 20_261_124L;
    private static final int SHUFFLES = 200;
    private static final List<String> SITES = List.of("site-a", "site-b", "site-c");
    private static final long T0 = Instant.parse("2026-11-24T12:00:00Z").toEpochMilli();

    private record Version(UUID postId, String authorId, String body, OffsetDateTime createdAt, OffsetDateTime updatedAt,
                           String originSite, boolean deleted, OffsetDateTime deletedAt) {
    }

    /**
     * The merge rule of apply_post, stated again independently: of all versions of a post, the
     * greatest in this order is the one every site keeps. Tombstones above live versions ("delete
     * is final"), then the later stamp, then the site id, then the rest to make the order total.
     * Site ids and bodies here are ASCII, so String order is PostgreSQL's byte order ("C").
     */
    private static final Comparator<Version> MERGE_ORDER = Comparator.comparing(Version::deleted)
            .thenComparing(v -> v.updatedAt().toInstant())
            .thenComparing(Version::originSite)
            .thenComparing(Version::body)
            .thenComparing(v -> v.deletedAt() == null ? Instant.MIN : v.deletedAt().toInstant())
            .thenComparing(v -> v.createdAt().toInstant())
            .thenComparing(Version::authorId);

    private final Map<String, Connection> databases = new LinkedHashMap<>();

    @BeforeAll
    static void requireDocker() {
        Docker.require();
    }

    @BeforeEach
    void connect() throws SQLException {
        for (String database : List.of(TestDatabase.NEWS, TestDatabase.NEWS_B)) {
            String url = TestDatabase.jdbcUrl(database);
            String user = TestDatabase.owner(database);
            Flyway.configure().dataSource(url, user, TestDatabase.PASSWORD).load().migrate();
            Connection connection = DriverManager.getConnection(url, user, TestDatabase.PASSWORD);
            try (Statement statement = connection.createStatement()) {
                // The dump is text: the same time zone for both, so equal rows print alike.
                statement.execute("SET TIME ZONE 'UTC'");
            }
            databases.put(database, connection);
        }
    }

    @AfterEach
    void disconnect() throws SQLException {
        for (Connection connection : databases.values()) {
            connection.close();
        }
    }

    @Test
    void convergesToTheSameRowsWhateverTheOrderAndRepetitionOfDelivery() throws SQLException {
        Random random = new Random(SEED);
        List<Version> versions = versions(random);
        Map<UUID, Version> expected = winners(versions);
        String reference = null;

        for (int shuffle = 0; shuffle < SHUFFLES; shuffle++) {
            String database = shuffle % 2 == 0 ? TestDatabase.NEWS : TestDatabase.NEWS_B;
            Connection db = databases.get(database);
            List<Version> order = new ArrayList<>(versions);
            Collections.shuffle(order, random);
            execute(db, "TRUNCATE posts");

            applyAll(db, order);
            String dump = dump(db);
            if (reference == null) {
                assertThat(rows(db)).as("the rows the merge rule picks").isEqualTo(expected);
                reference = dump;
            }
            assertThat(dump).as("shuffle %d, applied to %s", shuffle, database).isEqualTo(reference);

            Collections.shuffle(order, random);
            int changed = applyAll(db, order);
            assertThat(changed).as("shuffle %d applied twice: the second time changes nothing", shuffle).isZero();
            assertThat(dump(db)).isEqualTo(reference);
        }
    }

    /** Random versions of five posts, the cases the merge rule exists for, and some duplicates. */
    private static List<Version> versions(Random random) {
        List<Version> versions = new ArrayList<>();
        for (int p = 0; p < 5; p++) {
            Version created = created(p, random);
            versions.add(created);
            for (int k = 1; k <= 6; k++) {
                // Four possible stamps for six versions: equal stamps from different (and equal) origins.
                OffsetDateTime at = micros(created, 1 + random.nextInt(4));
                String origin = SITES.get(random.nextInt(SITES.size()));
                versions.add(random.nextInt(3) == 0 ? tombstone(created, at, origin)
                        : edit(created, "post " + p + " edit " + k, at, origin));
            }
        }

        Version lateEdit = created(5, random);
        versions.add(lateEdit);
        versions.add(tombstone(lateEdit, micros(lateEdit, 2), "site-b"));
        versions.add(edit(lateEdit, "edited after the delete", micros(lateEdit, 9), "site-c"));

        Version tie = created(6, random);
        versions.add(tie);
        versions.add(edit(tie, "from site-a", micros(tie, 3), "site-a"));
        versions.add(edit(tie, "from site-c", micros(tie, 3), "site-c"));

        Version twoDeletes = created(7, random);
        versions.add(twoDeletes);
        versions.add(tombstone(twoDeletes, micros(twoDeletes, 4), "site-c"));
        versions.add(tombstone(twoDeletes, micros(twoDeletes, 4), "site-b"));

        // At-least-once delivery: some versions arrive twice.
        for (int i = 0; i < 6; i++) {
            versions.add(versions.get(random.nextInt(versions.size())));
        }
        return List.copyOf(versions);
    }

    private static Map<UUID, Version> winners(List<Version> versions) {
        Map<UUID, Version> winners = new TreeMap<>();
        for (Version version : versions) {
            winners.merge(version.postId(), version, (a, b) -> MERGE_ORDER.compare(a, b) >= 0 ? a : b);
        }
        assertThat(winners.get(versions.stream().filter(v -> v.body().equals("edited after the delete")).findFirst()
                .orElseThrow().postId()).deleted()).as("delete is final").isTrue();
        return winners;
    }

    private static Version created(int post, Random random) {
        long millis = T0 + post * 1_000L;
        OffsetDateTime createdAt = Instant.ofEpochMilli(millis).atOffset(ZoneOffset.UTC);
        return new Version(PostIds.generate(millis, random), "author" + post, "post " + post, createdAt, createdAt,
                "site-a", false, null);
    }

    private static Version edit(Version created, String body, OffsetDateTime at, String origin) {
        return new Version(created.postId(), created.authorId(), body, created.createdAt(), at, origin, false, null);
    }

    private static Version tombstone(Version created, OffsetDateTime at, String origin) {
        return new Version(created.postId(), created.authorId(), "", created.createdAt(), at, origin, true, at);
    }

    private static OffsetDateTime micros(Version created, int micros) {
        return created.createdAt().plusNanos(micros * 1_000L);
    }

    /** @return how many of the versions changed the row they were applied to */
    private static int applyAll(Connection db, List<Version> versions) throws SQLException {
        int changed = 0;
        try (PreparedStatement apply = db.prepareStatement("SELECT apply_post(?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (Version v : versions) {
                apply.setObject(1, v.postId());
                apply.setString(2, v.authorId());
                apply.setString(3, v.body());
                apply.setObject(4, v.createdAt());
                apply.setObject(5, v.updatedAt());
                apply.setString(6, v.originSite());
                apply.setBoolean(7, v.deleted());
                apply.setObject(8, v.deletedAt(), Types.TIMESTAMP_WITH_TIMEZONE);
                try (ResultSet result = apply.executeQuery()) {
                    result.next();
                    changed += result.getBoolean(1) ? 1 : 0;
                }
            }
        }
        return changed;
    }

    /** Every column of every row, as PostgreSQL prints them, in post id order. */
    private static String dump(Connection db) throws SQLException {
        try (Statement statement = db.createStatement();
             ResultSet result = statement.executeQuery(
                     "SELECT coalesce(string_agg(p::text, E'\\n' ORDER BY post_id), '') FROM posts p")) {
            result.next();
            return result.getString(1);
        }
    }

    private static Map<UUID, Version> rows(Connection db) throws SQLException {
        Map<UUID, Version> rows = new TreeMap<>();
        try (Statement statement = db.createStatement();
             ResultSet rs = statement.executeQuery("SELECT * FROM posts")) {
            while (rs.next()) {
                Version row = new Version(rs.getObject("post_id", UUID.class), rs.getString("author_id"), rs.getString("body"),
                        rs.getObject("created_at", OffsetDateTime.class), rs.getObject("updated_at", OffsetDateTime.class),
                        rs.getString("origin_site"), rs.getBoolean("deleted"), rs.getObject("deleted_at", OffsetDateTime.class));
                rows.put(row.postId(), row);
            }
        }
        return rows;
    }

    private static void execute(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement()) {
            statement.execute(sql);
        }
    }
}
