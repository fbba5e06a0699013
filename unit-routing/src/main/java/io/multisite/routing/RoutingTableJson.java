package io.multisite.routing;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * The wire form of a routing table, used on the routing topic and by {@code GET /api/routing}:
 *
 * <pre>
 * {"epoch":7,
 *  "units":[{"unit":0,"owner":"site-a","state":"ACTIVE"},
 *           {"unit":1,"owner":"site-c","state":"RECOVERING","catchUpFrom":["site-b"],"since":6},
 *           {"unit":2,"owner":"site-a","state":"FENCED","moveTo":"site-c","catchUpFrom":["site-a"],"since":7}, ...],
 *  "sites":{"site-a":"UP","site-b":"DEAD","site-c":"UP"}}
 * </pre>
 *
 * Units are listed in order, each exactly once. Unknown fields are ignored so the form can grow.
 */
public final class RoutingTableJson {

    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    record Wire(long epoch, List<WireUnit> units, Map<String, SiteState> sites) {
    }

    /** The move fields are written only for units that wait for something. */
    record WireUnit(int unit, String owner, UnitState state,
                    @JsonInclude(JsonInclude.Include.NON_DEFAULT) String moveTo,
                    @JsonInclude(JsonInclude.Include.NON_DEFAULT) Set<String> catchUpFrom,
                    @JsonInclude(JsonInclude.Include.NON_DEFAULT) Long since) {
    }

    private RoutingTableJson() {
    }

    public static String write(RoutingTable table) {
        List<WireUnit> units = new ArrayList<>(table.unitCount());
        for (int unit = 0; unit < table.unitCount(); unit++) {
            UnitAssignment assignment = table.unit(unit);
            units.add(new WireUnit(unit, assignment.owner(), assignment.state(), assignment.moveTo(), assignment.catchUpFrom(),
                    assignment.since() == 0 ? null : assignment.since()));
        }
        return MAPPER.writeValueAsString(new Wire(table.epoch(), units, table.sites()));
    }

    public static byte[] writeBytes(RoutingTable table) {
        return write(table).getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException when the text is not a valid routing table */
    public static RoutingTable read(String json) {
        Wire wire;
        try {
            wire = MAPPER.readValue(json, Wire.class);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("routing table is not valid JSON: " + e.getOriginalMessage(), e);
        }
        if (wire == null || wire.units() == null || wire.sites() == null) {
            throw new IllegalArgumentException("routing table needs epoch, units and sites");
        }
        List<UnitAssignment> units = new ArrayList<>(wire.units().size());
        for (int i = 0; i < wire.units().size(); i++) {
            WireUnit unit = wire.units().get(i);
            if (unit == null || unit.unit() != i || unit.owner() == null || unit.state() == null) {
                throw new IllegalArgumentException("routing table entry " + i + " must be {\"unit\":" + i + ",\"owner\",\"state\"}");
            }
            try {
                units.add(new UnitAssignment(unit.owner(), unit.state(), unit.moveTo(), unit.catchUpFrom(), unit.since() == null ? 0 : unit.since()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("routing table entry " + i + ": " + e.getMessage(), e);
            }
        }
        try {
            return new RoutingTable(wire.epoch(), units, wire.sites());
        } catch (NullPointerException e) {
            throw new IllegalArgumentException("routing table has a missing value: " + e.getMessage(), e);
        }
    }

    public static RoutingTable read(byte[] json) {
        return read(new String(json, StandardCharsets.UTF_8));
    }
}
