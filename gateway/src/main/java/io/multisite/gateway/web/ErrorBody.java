package io.multisite.gateway.web;

/** The error shape of the public contract, the same as every service's. */
record ErrorBody(String error, String message) {
}
