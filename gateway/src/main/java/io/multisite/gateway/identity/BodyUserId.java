package io.multisite.gateway.identity;

import io.multisite.gateway.web.GatewayRefusal;
import io.multisite.routing.Units;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The {@code userId} field of a registration or login body. */
final class BodyUserId {

    // A body with two userId fields could be routed by one and acted on by the other: refuse it.
    private static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private BodyUserId() {
    }

    static String of(byte[] body) {
        if (body.length == 0) {
            throw GatewayRefusal.badRequest("no_user", "registration and login need a JSON body with \"userId\"");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw GatewayRefusal.badRequest("no_user", "the body is not valid JSON, so it names no user");
        }
        JsonNode userId = root == null ? null : root.get("userId");
        if (userId == null || !userId.isString()) {
            throw GatewayRefusal.badRequest("no_user", "the body needs a string field \"userId\"");
        }
        if (!Units.isValidUserId(userId.stringValue())) {
            throw GatewayRefusal.badRequest("no_user", "userId must be 1-64 characters of [A-Za-z0-9_-]");
        }
        return userId.stringValue();
    }
}
