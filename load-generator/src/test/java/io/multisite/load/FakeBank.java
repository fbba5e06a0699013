package io.multisite.load;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import tools.jackson.databind.JsonNode;

/**
 * The public contract in memory, shared by the fake gateways of one test the way every real
 * gateway reaches the same owners: users, sessions, balances, idempotent transfers and posts.
 */
final class FakeBank {

    record Reply(int status, Object body) {

        static Reply error(int status, String code) {
            return new Reply(status, Map.of("error", code, "message", "fake " + code));
        }
    }

    record Transfer(String transferId, String payer, String payee, long amount, String idempotencyKey) {
    }

    private final Map<String, String> passwords = new HashMap<>();
    private final Map<String, Long> balances = new HashMap<>();
    private final Map<String, String> sessions = new HashMap<>();
    private final Map<String, Reply> transferAnswers = new HashMap<>();
    private final List<Transfer> transfers = new ArrayList<>();
    private final List<Map<String, Object>> posts = new ArrayList<>();

    synchronized Reply handle(String method, String path, String bearer, JsonNode body, String site) {
        String route = method + " " + path.replaceFirst("\\?.*$", "");
        switch (route) {
            case "POST /api/users":
                return register(body, site);
            case "POST /api/sessions":
                return login(body);
            case "GET /api/feed":
                return new Reply(200, Map.of("items", List.copyOf(posts)));
            default:
                break;
        }
        String user = bearer == null ? null : sessions.get(bearer);
        if (user == null) {
            return Reply.error(401, "unauthenticated");
        }
        switch (route) {
            case "GET /api/accounts/me":
                return new Reply(200, Map.of("userId", user, "balance", balances.get(user), "unit", 0,
                        "homeSite", site, "unitState", "ACTIVE"));
            case "POST /api/transfers":
                return transfer(user, body);
            case "POST /api/posts":
                String postId = UUID.randomUUID().toString();
                posts.add(0, Map.of("postId", postId, "authorId", user, "body", body.path("body").asString()));
                return new Reply(201, Map.of("postId", postId, "createdAt", "2026-01-01T00:00:00Z"));
            default:
                return Reply.error(404, "not_found");
        }
    }

    synchronized List<Transfer> transfers() {
        return List.copyOf(transfers);
    }

    synchronized Map<String, Long> balances() {
        return Map.copyOf(balances);
    }

    synchronized int sessions() {
        return sessions.size();
    }

    private Reply register(JsonNode body, String site) {
        String userId = body.path("userId").asString();
        if (passwords.containsKey(userId)) {
            return Reply.error(409, "user_exists");
        }
        passwords.put(userId, body.path("password").asString());
        balances.put(userId, body.path("initialBalance").asLong());
        return new Reply(201, Map.of("userId", userId, "unit", 0, "homeSite", site));
    }

    private Reply login(JsonNode body) {
        String userId = body.path("userId").asString();
        if (!body.path("password").asString().equals(passwords.get(userId))) {
            return Reply.error(401, "invalid_credentials");
        }
        String token = userId + "." + UUID.randomUUID() + ".4000000000.c2lnbmF0dXJl";
        sessions.put(token, userId);
        return new Reply(201, Map.of("token", token, "expiresAt", "2099-01-01T00:00:00Z"));
    }

    private Reply transfer(String payer, JsonNode body) {
        String key = body.path("idempotencyKey").asString();
        Reply earlier = transferAnswers.get(payer + "/" + key);
        if (earlier != null) {
            return earlier;
        }
        String payee = body.path("toUserId").asString();
        long amount = body.path("amount").asLong();
        if (!balances.containsKey(payee)) {
            return Reply.error(422, "unknown_payee");
        }
        if (balances.get(payer) < amount) {
            return Reply.error(409, "insufficient_funds");
        }
        balances.merge(payer, -amount, Long::sum);
        balances.merge(payee, amount, Long::sum);
        String transferId = UUID.randomUUID().toString();
        transfers.add(new Transfer(transferId, payer, payee, amount, key));
        Reply reply = new Reply(201, Map.of("transferId", transferId, "balanceAfter", balances.get(payer)));
        transferAnswers.put(payer + "/" + key, reply);
        return reply;
    }
}
