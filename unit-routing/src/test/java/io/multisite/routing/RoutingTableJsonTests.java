package io.multisite.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RoutingTableJsonTests {

    @Test
    void writesTheDocumentedForm() {
        RoutingTable table = RoutingTable.initial(List.of("site-a", "site-b"), 2).fence(1, "site-a");
        assertThat(RoutingTableJson.write(table)).isEqualTo(
                "{\"epoch\":2,\"units\":[{\"unit\":0,\"owner\":\"site-a\",\"state\":\"ACTIVE\"},"
                        + "{\"unit\":1,\"owner\":\"site-b\",\"state\":\"FENCED\",\"moveTo\":\"site-a\",\"catchUpFrom\":[\"site-b\"],\"since\":2}],"
                        + "\"sites\":{\"site-a\":\"UP\",\"site-b\":\"UP\"}}");
    }

    @Test
    void roundTripsEveryState() {
        RoutingTable table = RoutingTable.initial(List.of("site-a", "site-b", "site-c"), 64)
                .fence(1, "site-c")
                .change().markDead("site-a").takeOver(0, "site-c").apply()
                .drain("site-b");
        assertThat(RoutingTableJson.read(RoutingTableJson.write(table))).isEqualTo(table);
        assertThat(RoutingTableJson.read(RoutingTableJson.writeBytes(table))).isEqualTo(table);
    }

    @Test
    void ignoresUnknownFieldsSoTheFormCanGrow() {
        RoutingTable table = RoutingTableJson.read(
                "{\"epoch\":3,\"writtenBy\":\"controller-a\",\"units\":[{\"unit\":0,\"owner\":\"site-a\",\"state\":\"ACTIVE\",\"note\":1}],"
                        + "\"sites\":{\"site-a\":\"UP\"}}");
        assertThat(table.epoch()).isEqualTo(3);
        assertThat(table.owner(0)).isEqualTo("site-a");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "not json",
            "null",
            "{}",
            "{\"epoch\":1,\"sites\":{\"site-a\":\"UP\"}}",
            "{\"units\":[{\"unit\":0,\"owner\":\"site-a\",\"state\":\"ACTIVE\"}],\"sites\":{\"site-a\":\"UP\"}}",
            "{\"epoch\":1,\"units\":[{\"unit\":1,\"owner\":\"site-a\",\"state\":\"ACTIVE\"}],\"sites\":{\"site-a\":\"UP\"}}",
            "{\"epoch\":1,\"units\":[{\"unit\":0,\"owner\":\"site-b\",\"state\":\"ACTIVE\"}],\"sites\":{\"site-a\":\"UP\"}}",
            "{\"epoch\":1,\"units\":[{\"unit\":0,\"owner\":\"site-a\",\"state\":\"SLEEPING\"}],\"sites\":{\"site-a\":\"UP\"}}",
            "{\"epoch\":1,\"units\":[{\"unit\":0,\"owner\":\"site-a\"}],\"sites\":{\"site-a\":\"UP\"}}",
            "{\"epoch\":1,\"units\":[{\"unit\":0,\"owner\":\"site-a\",\"state\":\"ACTIVE\"}],\"sites\":{\"site-a\":null}}",
            "{\"epoch\":1,\"units\":[null],\"sites\":{\"site-a\":\"UP\"}}",
            "{\"epoch\":\"one\",\"units\":[],\"sites\":{}}"
    })
    void refusesMalformedTables(String json) {
        assertThatIllegalArgumentException().isThrownBy(() -> RoutingTableJson.read(json));
    }
}
