package io.multisite.load;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What one run does, read from environment variables. Every bad value is refused up front with a
 * message that names the variable, so a typo in the compose file fails loudly instead of producing
 * a quiet or endless run.
 */
record LoadConfig(
        List<URI> gateways,
        int users,
        double rate,
        Duration duration,
        long openingBalance,
        long seed,
        String runId,
        Duration connectTimeout,
        Duration requestTimeout) {

    static final String DEFAULT_GATEWAYS = "http://gateway-a:8080,http://gateway-b:8080,http://gateway-c:8080";
    static final Duration MAX_DURATION = Duration.ofHours(1);
    static final int MAX_USERS = 10_000;
    static final double MAX_RATE = 10_000;
    // account-service's bound on a demo opening credit.
    static final long MAX_OPENING_BALANCE = 100_000_000L;

    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9]{1,20}");

    LoadConfig {
        gateways = List.copyOf(gateways);
        if (gateways.isEmpty()) {
            throw new IllegalArgumentException("GATEWAYS must name at least one gateway");
        }
        if (users < 2 || users > MAX_USERS) {
            throw new IllegalArgumentException("USERS must be between 2 and " + MAX_USERS + " (a transfer needs a payer and a payee), was " + users);
        }
        if (!(rate > 0) || rate > MAX_RATE) {
            throw new IllegalArgumentException("RATE must be more than 0 and at most " + (long) MAX_RATE + " operations/s, was " + rate);
        }
        if (duration.isNegative() || duration.isZero() || duration.compareTo(MAX_DURATION) > 0) {
            throw new IllegalArgumentException("DURATION must be more than 0 and at most 1 h (PT1H), was " + duration);
        }
        if (openingBalance < 0 || openingBalance > MAX_OPENING_BALANCE) {
            throw new IllegalArgumentException("OPENING_BALANCE must be between 0 and " + MAX_OPENING_BALANCE + " minor units, was " + openingBalance);
        }
        if (!RUN_ID.matcher(runId).matches()) {
            throw new IllegalArgumentException("RUN_ID must be 1-20 letters or digits, was '" + runId + "'");
        }
    }

    static LoadConfig fromEnv(Map<String, String> env) {
        String runId = value(env, "RUN_ID");
        return new LoadConfig(
                gateways(orDefault(value(env, "GATEWAYS"), DEFAULT_GATEWAYS)),
                (int) longValue(env, "USERS", 60),
                doubleValue(env, "RATE", 50),
                duration(orDefault(value(env, "DURATION"), "PT5M")),
                longValue(env, "OPENING_BALANCE", 100_000),
                longValue(env, "SEED", System.nanoTime()),
                // Registrations are permanent, so every run needs user ids of its own.
                runId == null ? Long.toString(System.currentTimeMillis(), 36) : runId,
                Duration.ofSeconds(1),
                Duration.ofSeconds(5));
    }

    String userId(int n) {
        return "load-" + runId + "-" + n;
    }

    private static List<URI> gateways(String list) {
        List<URI> gateways = new ArrayList<>();
        for (String item : list.split(",")) {
            String text = item.strip();
            if (text.isEmpty()) {
                continue;
            }
            URI uri;
            try {
                uri = new URI(text.endsWith("/") ? text.substring(0, text.length() - 1) : text);
            } catch (URISyntaxException e) {
                throw new IllegalArgumentException("GATEWAYS: '" + text + "' is not a URL");
            }
            boolean http = "http".equals(uri.getScheme()) || "https".equals(uri.getScheme());
            if (!http || uri.getHost() == null || !uri.getPath().isEmpty() || uri.getQuery() != null) {
                throw new IllegalArgumentException("GATEWAYS: '" + text + "' must be http(s)://host[:port] without a path");
            }
            gateways.add(uri);
        }
        return gateways;
    }

    private static Duration duration(String text) {
        try {
            return Duration.parse(text);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("DURATION must be an ISO-8601 duration such as PT5M or PT30S, was '" + text + "'");
        }
    }

    private static long longValue(Map<String, String> env, String name, long fallback) {
        String text = value(env, name);
        if (text == null) {
            return fallback;
        }
        try {
            long value = Long.parseLong(text);
            if ("USERS".equals(name) && (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE)) {
                throw new IllegalArgumentException("USERS must be between 2 and " + MAX_USERS + ", was " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, was '" + text + "'");
        }
    }

    private static double doubleValue(Map<String, String> env, String name, double fallback) {
        String text = value(env, name);
        if (text == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a number, was '" + text + "'");
        }
    }

    private static String value(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.strip();
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }
}
