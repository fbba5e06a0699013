package io.multisite.news.post;

import java.security.SecureRandom;
import java.util.UUID;
import java.util.random.RandomGenerator;

/**
 * Post ids: time-ordered UUIDs, version 7 of RFC 9562. The first 48 bits are the creation time in
 * Unix milliseconds, then the version (7), 12 random bits, the variant (binary 10) and 62 random
 * bits.
 *
 * <p>Each site generates the ids of the posts it creates, with nobody to ask: 74 random bits make
 * a collision between sites (or within one) as unlikely as with a random UUID, and the time in
 * front makes the byte order of ids (PostgreSQL compares uuids byte-wise, as strings of them
 * compare) the order of creation, which is the feed's order.
 */
final class PostIds {

    static final long MAX_MILLIS = (1L << 48) - 1;

    private static final RandomGenerator RANDOM = new SecureRandom();

    private PostIds() {
    }

    /** A new id for a post created at this Unix time in milliseconds. */
    static UUID generate(long unixMillis) {
        return generate(unixMillis, RANDOM);
    }

    static UUID generate(long unixMillis, RandomGenerator random) {
        if (unixMillis < 0 || unixMillis > MAX_MILLIS) {
            throw new IllegalArgumentException("a UUIDv7 holds a Unix time in ms from 0 to 2^48-1, not " + unixMillis);
        }
        long randomA = random.nextLong() & 0xFFFL;
        long randomB = random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL;
        long mostSignificant = (unixMillis << 16) | (0x7L << 12) | randomA;
        long leastSignificant = (0x2L << 62) | randomB;
        return new UUID(mostSignificant, leastSignificant);
    }

    /** Whether the id has the shape of a post id: version 7, variant of RFC 9562. */
    static boolean isPostId(UUID id) {
        return id.version() == 7 && id.variant() == 2;
    }

    /** The creation time in Unix milliseconds that a post id carries. */
    static long millisOf(UUID id) {
        return id.getMostSignificantBits() >>> 16;
    }
}
