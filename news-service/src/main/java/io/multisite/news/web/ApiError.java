package io.multisite.news.web;

/** The body of every error answer: a stable machine-readable code and a message for people. */
record ApiError(String error, String message) {
}
