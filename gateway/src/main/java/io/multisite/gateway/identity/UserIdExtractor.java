package io.multisite.gateway.identity;

import io.multisite.gateway.web.GatewayRefusal;
import io.multisite.routing.Units;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

/**
 * Finds the user a request acts for, without any secret: the gateway routes, the services
 * authenticate.
 *
 * <ol>
 *   <li>{@code /api/users/{id}/...}: the id in the path.</li>
 *   <li>{@code POST /api/users} (registration) and {@code POST /api/sessions} (login): the
 *       {@code userId} of the JSON body. These two act on the user they name, so a token the client
 *       may still carry from another user is not looked at.</li>
 *   <li>Anything else: the user of the session token ({@code Authorization: Bearer <token>}), the
 *       token's first dot-separated segment.</li>
 * </ol>
 *
 * A request that names no usable user is refused: 401 when a session token is missing or cannot be
 * one, 400 when a path or body names no valid user.
 */
public final class UserIdExtractor {

    private static final String USERS = "/api/users";
    private static final String SESSIONS = "/api/sessions";
    private static final String USER_PATH = USERS + "/";

    private UserIdExtractor() {
    }

    /**
     * @param path the raw (still percent-encoded) request path; an encoded user id is invalid
     * @param body the request body as received (empty when there is none)
     * @throws GatewayRefusal when the request names no usable user
     */
    public static String userIdOf(HttpMethod method, String path, HttpHeaders headers, byte[] body) {
        if (path.startsWith(USER_PATH)) {
            int end = path.indexOf('/', USER_PATH.length());
            String id = path.substring(USER_PATH.length(), end < 0 ? path.length() : end);
            if (!id.isEmpty()) {
                if (!Units.isValidUserId(id)) {
                    throw GatewayRefusal.badRequest("no_user",
                            "the user id in the path must be 1-64 characters of [A-Za-z0-9_-]");
                }
                return id;
            }
        }
        if (HttpMethod.POST.equals(method) && (path.equals(USERS) || path.equals(SESSIONS))) {
            return BodyUserId.of(body);
        }
        return SessionTokenUser.of(headers.getFirst(HttpHeaders.AUTHORIZATION));
    }
}
