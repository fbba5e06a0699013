package io.multisite.account.user;

record RegistrationResponse(String userId, int unit, String homeSite) {
}
