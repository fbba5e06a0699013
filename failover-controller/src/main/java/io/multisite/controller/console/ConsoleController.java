package io.multisite.controller.console;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.core.io.ClassPathResource;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * The live console: {@code GET /console} (one self-contained page), {@code GET /console/events}
 * (its Server-Sent Events) and {@code GET /console/state} (the same snapshot once, as JSON).
 * Every site's gateway forwards {@code /console/**} to the controller of its own site.
 */
@RestController
class ConsoleController {

    private static final MediaType HTML = new MediaType(MediaType.TEXT_HTML, StandardCharsets.UTF_8);
    /** The page loads nothing from anywhere: inline style and script, and its own event stream. */
    private static final String POLICY = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
            + "connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'";

    private final String page;
    private final ConsoleStreams streams;

    ConsoleController(ConsoleStreams streams) {
        this.streams = streams;
        this.page = read("console/console.html");
    }

    @GetMapping({"/console", "/console/"})
    ResponseEntity<String> page() {
        return ResponseEntity.ok()
                .contentType(HTML)
                .cacheControl(CacheControl.noStore())
                .header("Content-Security-Policy", POLICY)
                .body(page);
    }

    @GetMapping("/console/state")
    ResponseEntity<String> state() {
        return ResponseEntity.ok()
                .contentType(MediaType.APPLICATION_JSON)
                .cacheControl(CacheControl.noStore())
                .body(streams.snapshotJson());
    }

    @GetMapping("/console/events")
    SseEmitter events() {
        return streams.open();
    }

    /** JSON whatever the request accepted (an EventSource asks for text/event-stream). */
    @ExceptionHandler(ConsoleStreams.TooManyStreams.class)
    ResponseEntity<Map<String, String>> tooManyStreams(ConsoleStreams.TooManyStreams e) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", "too_many_streams");
        body.put("message", e.getMessage());
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .contentType(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.RETRY_AFTER, "5")
                .body(body);
    }

    private static String read(String resource) {
        try (InputStream in = new ClassPathResource(resource).getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("the console page " + resource + " is missing from the build", e);
        }
    }
}
