package io.multisite.replication.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.multisite.routing.MultisiteTopics;
import org.junit.jupiter.api.Test;

class TopicsTests {

    @Test
    void namesTopicsByOriginDatabaseAndTable() {
        ReplicatedTable users = Catalog.find("accounts", "users").orElseThrow();
        assertThat(Topics.of("site-a", users)).isEqualTo("multisite.cdc.site-a.accounts.users");
        assertThat(Topics.parse("multisite.cdc.site-a.accounts.users")).hasValueSatisfying(source -> {
            assertThat(source.origin()).isEqualTo("site-a");
            assertThat(source.table()).isEqualTo(users);
        });
    }

    @Test
    void parsesNothingButKnownTables() {
        assertThat(Topics.parse("multisite.cdc.site-a.accounts.accounts")).isEmpty();
        assertThat(Topics.parse("multisite.cdc.site-a.news.sessions")).isEmpty();
        assertThat(Topics.parse("multisite.routing")).isEmpty();
        assertThat(Topics.parse(Topics.DEAD_LETTER)).isEmpty();
    }

    @Test
    void aSiteSubscribesToEveryOtherSiteAndToItsOwnSessionsOnly() {
        var subscription = Topics.subscription("site-a");
        assertThat(subscription.matcher("multisite.cdc.site-b.accounts.users").matches()).isTrue();
        assertThat(subscription.matcher("multisite.cdc.site-c.news.posts").matches()).isTrue();
        assertThat(subscription.matcher("multisite.cdc.site-a.accounts.sessions").matches()).isTrue();
        assertThat(subscription.matcher("multisite.cdc.site-a.accounts.users").matches()).isFalse();
        assertThat(subscription.matcher("multisite.cdc.site-a.news.posts").matches()).isFalse();
        // A site whose id starts like this one's is still another site.
        assertThat(subscription.matcher("multisite.cdc.site-ab.accounts.users").matches()).isTrue();
        assertThat(subscription.matcher(Topics.DEAD_LETTER).matches()).isFalse();
        assertThat(subscription.matcher(MultisiteTopics.WATERMARKS).matches()).isFalse();
    }

    @Test
    void appliesNothingBackToItsOriginExceptSessionsIntoNews() {
        ReplicatedTable users = Catalog.find("accounts", "users").orElseThrow();
        ReplicatedTable sessions = Catalog.find("accounts", "sessions").orElseThrow();
        ReplicatedTable posts = Catalog.find("news", "posts").orElseThrow();
        assertThat(Catalog.targets(users, "site-b", "site-a")).containsExactly("accounts");
        assertThat(Catalog.targets(users, "site-a", "site-a")).isEmpty();
        assertThat(Catalog.targets(posts, "site-a", "site-a")).isEmpty();
        assertThat(Catalog.targets(sessions, "site-b", "site-a")).containsExactly("accounts", "news");
        assertThat(Catalog.targets(sessions, "site-a", "site-a")).containsExactly("news");
    }

    @Test
    void buildsTheApplyCallWithCasts() {
        ReplicatedTable ledger = Catalog.find("accounts", "ledger_entry").orElseThrow();
        assertThat(ledger.applySql())
                .isEqualTo("SELECT apply_ledger_entry(?::uuid, ?, ?::bigint, ?, ?::uuid, ?, ?::timestamptz)");
        assertThat(Catalog.databases()).isEqualTo(List.of("accounts", "news"));
    }
}
