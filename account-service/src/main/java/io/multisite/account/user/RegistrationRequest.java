package io.multisite.account.user;

/** {@code POST /api/users}. Boxed types so that a missing field is told apart from zero. */
record RegistrationRequest(String userId, String password, Long initialBalance) {
}
