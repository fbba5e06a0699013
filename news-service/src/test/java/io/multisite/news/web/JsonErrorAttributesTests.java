package io.multisite.news.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import org.junit.jupiter.api.Test;
import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.web.context.request.ServletWebRequest;

/** Errors the servlet container routes to /error get the same shape as the API's own. */
class JsonErrorAttributesTests {

    private final JsonErrorAttributes attributes = new JsonErrorAttributes();

    @Test
    void describesAClientErrorByItsStatus() {
        Map<String, Object> body = attributes.getErrorAttributes(request(404), ErrorAttributeOptions.defaults());

        assertThat(body).containsOnlyKeys("error", "message").containsEntry("error", "not_found");
    }

    @Test
    void revealsNothingAboutAServerError() {
        Map<String, Object> body = attributes.getErrorAttributes(request(500), ErrorAttributeOptions.of(ErrorAttributeOptions.Include.values()));

        assertThat(body).containsOnlyKeys("error", "message").containsEntry("error", "internal_error");
    }

    private static ServletWebRequest request(int status) {
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/error");
        request.setAttribute("jakarta.servlet.error.status_code", status);
        return new ServletWebRequest(request);
    }
}
