package io.multisite.account.session;

/** A new session and the routing it was admitted under. */
record Login(LoginResponse response, int unit, long epoch) {
}
