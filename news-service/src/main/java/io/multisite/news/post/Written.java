package io.multisite.news.post;

/** The result of a write and the routing it was admitted under (the X-Unit and X-Routing-Epoch answer headers). */
record Written<T>(T result, int unit, long epoch) {
}
