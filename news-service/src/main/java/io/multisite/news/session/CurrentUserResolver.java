package io.multisite.news.session;

import io.multisite.news.web.ApiException;
import io.multisite.routing.session.InvalidTokenException;
import io.multisite.routing.session.SessionTokens;
import io.multisite.routing.session.TokenClaims;
import io.multisite.routing.session.InvalidTokenException;
import io.multisite.routing.session.SessionTokens;
import io.multisite.routing.session.TokenClaims;

import org.springframework.core.MethodParameter;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.support.WebDataBinderFactory;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.method.support.HandlerMethodArgumentResolver;
import org.springframework.web.method.support.ModelAndViewContainer;

/**
 * Authenticates a request from its bearer token: signature and expiry (the codec shared with
 * account-service, which issues the tokens), then the session row in this site's news database,
 * which must exist and not be revoked. That table is a replica of account-service's sessions,
 * filled by the replication service: a login is usable here once its row has arrived, and a
 * logout takes effect here once the revoked version has.
 */
final class CurrentUserResolver implements HandlerMethodArgumentResolver {

    private static final String BEARER = "Bearer ";

    private final SessionTokens tokens;
    private final JdbcClient jdbc;

    CurrentUserResolver(SessionTokens tokens, JdbcClient jdbc) {
        this.tokens = tokens;
        this.jdbc = jdbc;
    }

    @Override
    public boolean supportsParameter(MethodParameter parameter) {
        return parameter.getParameterType() == CurrentUser.class;
    }

    @Override
    public CurrentUser resolveArgument(MethodParameter parameter, ModelAndViewContainer mavContainer,
                                       NativeWebRequest request, WebDataBinderFactory binderFactory) {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw unauthenticated("a bearer token is required");
        }
        TokenClaims claims;
        try {
            claims = tokens.verify(header.substring(BEARER.length()).trim());
        } catch (InvalidTokenException e) {
            throw unauthenticated(e.getMessage());
        }
        Boolean live = jdbc.sql("""
                        SELECT NOT revoked AND expires_at > now() FROM sessions
                        WHERE session_id = :sessionId AND user_id = :userId""")
                .param("sessionId", claims.sessionId())
                .param("userId", claims.userId())
                .query(Boolean.class)
                .optional()
                .orElse(null);
        if (live == null) {
            throw unauthenticated("session is not known at this site");
        }
        if (!live) {
            throw unauthenticated("session was revoked or has expired");
        }
        return new CurrentUser(claims.userId(), claims.sessionId());
    }

    private static ApiException unauthenticated(String message) {
        return new ApiException(HttpStatus.UNAUTHORIZED, "unauthenticated", message);
    }
}
