package io.multisite.news.post;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;

class PostIdsTests {

    private static final long NOW = Instant.parse("2026-11-24T12:00:00.123Z").toEpochMilli();

    @Test
    void carriesTheCreationMillisecondInItsFirst48Bits() {
        UUID id = PostIds.generate(NOW);

        assertThat(PostIds.millisOf(id)).isEqualTo(NOW);
        assertThat(id.toString().replace("-", "")).startsWith(String.format("%012x", NOW));
    }

    @Test
    void isAVersion7UuidWithTheRfcVariant() {
        UUID id = PostIds.generate(NOW);

        assertThat(id.version()).isEqualTo(7);
        assertThat(id.variant()).isEqualTo(2);
        assertThat(PostIds.isPostId(id)).isTrue();
        assertThat(PostIds.isPostId(UUID.randomUUID())).as("a random (v4) UUID is no post id").isFalse();
    }

    @Test
    void neverRepeatsAnIdWithinOneMillisecond() {
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(PostIds.generate(NOW));
        }

        assertThat(ids).hasSize(100_000);
    }

    @Test
    void sortsByCreationTimeAsStringsDo() {
        // PostgreSQL orders uuids byte-wise, which is the order of their strings.
        Random random = new Random(7);
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            times.add(random.nextLong(PostIds.MAX_MILLIS + 1));
        }
        List<UUID> ids = new ArrayList<>(times.stream().sorted().map(ms -> PostIds.generate(ms, random)).toList());
        List<UUID> byString = new ArrayList<>(ids);
        byString.sort(Comparator.comparing(UUID::toString));

        assertThat(byString).isEqualTo(ids);
    }

    @Test
    void leavesOnlyTheRandomBitsToTheRandomSource() {
        UUID allZeros = PostIds.generate(NOW, new ConstantRandom(0L));
        UUID allOnes = PostIds.generate(NOW, new ConstantRandom(-1L));

        assertThat(allZeros.toString()).isEqualTo(String.format("%08x-%04x-7000-8000-000000000000", NOW >>> 16, NOW & 0xFFFF));
        assertThat(allOnes.toString()).isEqualTo(String.format("%08x-%04x-7fff-bfff-ffffffffffff", NOW >>> 16, NOW & 0xFFFF));
    }

    @Test
    void refusesTimesThatDoNotFitIn48Bits() {
        assertThatThrownBy(() -> PostIds.generate(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> PostIds.generate(PostIds.MAX_MILLIS + 1)).isInstanceOf(IllegalArgumentException.class);
        assertThat(PostIds.millisOf(PostIds.generate(PostIds.MAX_MILLIS))).isEqualTo(PostIds.MAX_MILLIS);
    }

    /** Returns the same bits every time, to see where random bits go. */
    private static final class ConstantRandom extends Random {

        private final long bits;

        ConstantRandom(long bits) {
            this.bits = bits;
        }

        @Override
        public long nextLong() {
            return bits;
        }
    }
}
