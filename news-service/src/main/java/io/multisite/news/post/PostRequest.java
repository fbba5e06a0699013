package io.multisite.news.post;

/** {@code POST /api/posts} and {@code PUT /api/posts/{postId}}. */
record PostRequest(String body) {
}
