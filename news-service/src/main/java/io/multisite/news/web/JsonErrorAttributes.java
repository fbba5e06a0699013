package io.multisite.news.web;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.web.error.ErrorAttributeOptions;
import org.springframework.boot.webmvc.error.DefaultErrorAttributes;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.WebRequest;

/**
 * The body of errors that never reach a controller (a failure inside a servlet filter, for
 * instance), which the servlet container sends to {@code /error}: the same
 * {@code {"error","message"}} shape as every other error.
 */
final class JsonErrorAttributes extends DefaultErrorAttributes {

    @Override
    public Map<String, Object> getErrorAttributes(WebRequest request, ErrorAttributeOptions options) {
        Object status = request.getAttribute("jakarta.servlet.error.status_code", RequestAttributes.SCOPE_REQUEST);
        int code = status instanceof Integer value ? value : 500;
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code >= 500 ? "internal_error" : ApiExceptionHandler.codeOf(HttpStatusCode.valueOf(code)));
        body.put("message", code >= 500 ? "an unexpected error occurred" : "the request could not be served");
        return body;
    }
}
