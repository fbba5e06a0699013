package io.multisite.news.post;

import java.time.Instant;
import java.util.UUID;

/** The answer to {@code POST /api/posts}. */
record PostCreated(UUID postId, Instant createdAt) {
}
