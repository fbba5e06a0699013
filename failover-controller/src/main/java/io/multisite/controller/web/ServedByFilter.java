package io.multisite.controller.web;

import java.io.IOException;

import io.multisite.controller.ControllerProperties;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/** Every answer says which site produced it, errors included. */
@Component
class ServedByFilter extends OncePerRequestFilter {

    private final String site;

    ServedByFilter(ControllerProperties properties) {
        this.site = properties.site();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader("X-Served-By", site);
        chain.doFilter(request, response);
    }
}
