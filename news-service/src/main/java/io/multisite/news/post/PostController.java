package io.multisite.news.post;

import java.net.URI;
import java.util.UUID;

import io.multisite.news.session.CurrentUser;
import io.multisite.news.web.ApiException;
import io.multisite.news.web.RoutedResponses;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Writes go to the author's home site (the gateway routes them by the token's user id) and carry
 * the routing they were admitted under. Reads are served by whichever site receives them, from
 * its own replica: they name no user, so they carry no routing headers.
 */
@RestController
class PostController {

    static final int MAX_LIMIT = 100;

    private final PostService posts;

    PostController(PostService posts) {
        this.posts = posts;
    }

    @PostMapping("/api/posts")
    ResponseEntity<PostCreated> create(CurrentUser user, @RequestBody PostRequest request) {
        Written<PostCreated> created = posts.create(user.userId(), request);
        return RoutedResponses.routed(HttpStatus.CREATED, created.unit(), created.epoch())
                .location(URI.create("/api/posts/" + created.result().postId()))
                .body(created.result());
    }

    @PutMapping("/api/posts/{postId}")
    ResponseEntity<PostView> edit(CurrentUser user, @PathVariable UUID postId, @RequestBody PostRequest request) {
        Written<PostView> edited = posts.edit(user.userId(), postId, request);
        return RoutedResponses.routed(HttpStatus.OK, edited.unit(), edited.epoch()).body(edited.result());
    }

    @DeleteMapping("/api/posts/{postId}")
    ResponseEntity<Void> delete(CurrentUser user, @PathVariable UUID postId) {
        Written<Void> deleted = posts.delete(user.userId(), postId);
        return RoutedResponses.routed(HttpStatus.NO_CONTENT, deleted.unit(), deleted.epoch()).build();
    }

    @GetMapping("/api/posts/{postId}")
    PostView one(@PathVariable UUID postId) {
        return posts.find(postId).orElseThrow(() -> new ApiException(HttpStatus.NOT_FOUND, "not_found", "no such post"));
    }

    @GetMapping("/api/feed")
    FeedPage feed(@RequestParam(defaultValue = "20") int limit, @RequestParam(required = false) UUID before) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw ApiException.invalid("limit must be from 1 to " + MAX_LIMIT);
        }
        return posts.feed(limit, before);
    }
}
