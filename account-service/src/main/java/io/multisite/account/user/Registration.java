package io.multisite.account.user;

/** A registered user and the routing it was admitted under. */
record Registration(RegistrationResponse response, int unit, long epoch) {
}
