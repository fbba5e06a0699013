package io.multisite.account.session;

/** {@code POST /api/sessions}. */
record LoginRequest(String userId, String password) {
}
