package io.multisite.news.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.web.filter.OncePerRequestFilter;

/** Sets {@code X-Served-By} before anything else runs, so that error answers carry it too. */
final class ServedByFilter extends OncePerRequestFilter {

    private final String site;

    ServedByFilter(String site) {
        this.site = site;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader(RoutedResponses.SERVED_BY, site);
        chain.doFilter(request, response);
    }
}
