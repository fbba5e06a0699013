package io.multisite.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.zip.CRC32;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class UnitsTests {

    @Test
    void matchesZlibCrc32ModSixtyFour() {
        // Values computed independently with Python: zlib.crc32(b"alice") % 64 etc.
        assertThat(Units.DEFAULT.of("alice")).isEqualTo(7);
        assertThat(Units.DEFAULT.of("bob")).isEqualTo(0);
        assertThat(Units.DEFAULT.of("carol")).isEqualTo(3);
        assertThat(Units.DEFAULT.of("dave")).isEqualTo(56);
        assertThat(Units.DEFAULT.of("Z_9-x")).isEqualTo(61);
    }

    @Test
    void unitCountIsConfigurable() {
        CRC32 crc = new CRC32();
        crc.update("alice".getBytes(StandardCharsets.UTF_8));
        assertThat(new Units(10).of("alice")).isEqualTo((int) (crc.getValue() % 10));
        assertThat(new Units(1).of("alice")).isZero();
    }

    @Test
    void everyValidUserIdLandsInRangeDeterministically() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
        Random random = new Random(20261124);
        for (int i = 0; i < 5_000; i++) {
            StringBuilder id = new StringBuilder();
            int length = 1 + random.nextInt(64);
            for (int c = 0; c < length; c++) {
                id.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            int count = 1 + random.nextInt(4096);
            int unit = new Units(count).of(id.toString());
            assertThat(unit).as("%s mod %d", id, count).isBetween(0, count - 1);
            assertThat(new Units(count).of(id.toString())).isEqualTo(unit);
        }
    }

    @Test
    void spreadsUsersOverAllUnits() {
        int[] perUnit = new int[64];
        for (int i = 0; i < 64_000; i++) {
            perUnit[Units.DEFAULT.of("user-" + i)]++;
        }
        // 1000 expected per unit; CRC32 is not a cryptographic hash but must still spread well.
        assertThat(java.util.Arrays.stream(perUnit).boxed()).allSatisfy(n -> assertThat(n).isBetween(850, 1150));
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"has space", "dot.ted", "üser", "a/b", "x\n",
            "12345678901234567890123456789012345678901234567890123456789012345"})
    void refusesInvalidUserIds(String userId) {
        assertThat(Units.isValidUserId(userId)).isFalse();
        assertThatIllegalArgumentException().isThrownBy(() -> Units.DEFAULT.of(userId))
                .withMessageContaining("[A-Za-z0-9_-]");
    }

    @Test
    void acceptsSixtyFourCharacterIds() {
        String longest = "a".repeat(64);
        assertThat(Units.isValidUserId(longest)).isTrue();
        assertThat(Units.DEFAULT.of(longest)).isBetween(0, 63);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 4097})
    void refusesUnitCountsOutOfRange(int count) {
        assertThatIllegalArgumentException().isThrownBy(() -> new Units(count));
    }
}
