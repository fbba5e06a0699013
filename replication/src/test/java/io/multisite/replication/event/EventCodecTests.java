package io.multisite.replication.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class EventCodecTests {

    @Test
    void roundTripsARowWithNullsAndTypes() {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("id", "6f0d7c1e-0000-4000-8000-000000000001");
        row.put("amount", -2500L);
        row.put("transfer_id", null);
        row.put("revoked", true);
        RowChange change = new RowChange("site-a", "accounts", "ledger_entry", "c", 123456789L, 1764000000123L, row);

        ReplicationEvent decoded = EventCodec.decode(EventCodec.encode(change));

        assertThat(decoded).isInstanceOf(RowChange.class);
        RowChange back = (RowChange) decoded;
        assertThat(back.origin()).isEqualTo("site-a");
        assertThat(back.lsn()).isEqualTo(123456789L);
        assertThat(back.committedAtMillis()).isEqualTo(1764000000123L);
        assertThat(back.row()).containsEntry("transfer_id", null).containsEntry("revoked", true)
                .containsKey("amount").hasSize(4);
        assertThat(((Number) back.row().get("amount")).longValue()).isEqualTo(-2500L);
    }

    @Test
    void roundTripsAWatermarkMarker() {
        WatermarkMarker marker = new WatermarkMarker("site-b", "news", 987654321L, 1764000000999L);
        assertThat(EventCodec.decode(EventCodec.encode(marker))).isEqualTo(marker);
    }

    @Test
    void rejectsWhatIsNotAnEvent() {
        assertThatThrownBy(() -> EventCodec.decode(null)).isInstanceOf(EventCodec.MalformedEventException.class);
        assertThatThrownBy(() -> EventCodec.decode(bytes("not json"))).hasMessageStartingWith("not JSON");
        assertThatThrownBy(() -> EventCodec.decode(bytes("{\"kind\":\"other\",\"origin\":\"a\",\"database\":\"d\",\"lsn\":1,\"committedAt\":1}")))
                .hasMessageContaining("unknown kind");
        assertThatThrownBy(() -> EventCodec.decode(bytes("{\"kind\":\"row\",\"origin\":\"a\",\"database\":\"d\",\"lsn\":\"x\",\"committedAt\":1}")))
                .hasMessageContaining("lsn");
        assertThatThrownBy(() -> EventCodec.decode(bytes("{\"kind\":\"row\",\"origin\":\"a\",\"database\":\"d\",\"table\":\"t\",\"op\":\"c\",\"lsn\":1,\"committedAt\":1}")))
                .hasMessageContaining("no row");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
