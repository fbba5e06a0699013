package io.multisite.news.post;

import java.time.Instant;
import java.util.UUID;

/**
 * A live post as this site's replica has it.
 *
 * @param updatedAt  the time of its latest version (the last-writer-wins clock)
 * @param originSite the site that wrote that version
 */
record PostView(UUID postId, String authorId, String body, Instant createdAt, Instant updatedAt, String originSite) {
}
