package io.multisite.news.session;

import java.util.UUID;

/**
 * The caller of an authenticated request. Declare it as a controller method parameter: the
 * request is then answered 401 unless it carries a valid token of a live session.
 */
public record CurrentUser(String userId, UUID sessionId) {
}
