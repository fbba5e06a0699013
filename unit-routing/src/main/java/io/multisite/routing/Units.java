package io.multisite.routing;

import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * The unit function: which of {@code count} units a user belongs to.
 *
 * <p>{@code unit = CRC32(userId as UTF-8) mod count}, with CRC32 as in {@link java.util.zip.CRC32}
 * (ISO-HDLC: polynomial 0x04C11DB7, reflected, init and xor-out 0xFFFFFFFF), read as an unsigned
 * 32-bit integer. Any router in any language that computes the same CRC (zlib's {@code crc32},
 * Python's {@code zlib.crc32}, Go's {@code hash/crc32.ChecksumIEEE}) agrees with this one:
 * {@code Units.DEFAULT.of("alice") == 7}.
 *
 * <p>A user id is 1-64 characters of {@code [A-Za-z0-9_-]}. Hashing anything else is refused,
 * so an id that one component would reject can never be routed by another.
 */
public record Units(int count) {

    public static final int DEFAULT_COUNT = 64;
    public static final Units DEFAULT = new Units(DEFAULT_COUNT);

    private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    public Units {
        if (count < 1 || count > 4096) {
            throw new IllegalArgumentException("unit count must be between 1 and 4096, was " + count);
        }
    }

    public int of(String userId) {
        requireValidUserId(userId);
        CRC32 crc = new CRC32();
        crc.update(userId.getBytes(StandardCharsets.UTF_8));
        return (int) (crc.getValue() % count);
    }

    public static boolean isValidUserId(String userId) {
        return userId != null && USER_ID.matcher(userId).matches();
    }

    public static String requireValidUserId(String userId) {
        if (!isValidUserId(userId)) {
            throw new IllegalArgumentException("user id must be 1-64 characters of [A-Za-z0-9_-]");
        }
        return userId;
    }
}
