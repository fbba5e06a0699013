package io.multisite.news.post;

import java.util.List;
import java.util.UUID;

/**
 * {@code GET /api/feed}: newest first.
 *
 * @param nextBefore the {@code before} of the next page, null on the last page
 */
record FeedPage(List<PostView> items, UUID nextBefore) {
}
