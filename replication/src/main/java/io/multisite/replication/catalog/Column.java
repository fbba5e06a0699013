package io.multisite.replication.catalog;

/**
 * A column as the apply function takes it: its name in the change event and the SQL cast that
 * turns the event's JSON value (uuids and timestamps travel as strings) into the parameter type.
 */
record Column(String name, String cast) {

    static Column plain(String name) {
        return new Column(name, "");
    }

    static Column uuid(String name) {
        return new Column(name, "::uuid");
    }

    static Column bigint(String name) {
        return new Column(name, "::bigint");
    }

    static Column bool(String name) {
        return new Column(name, "::boolean");
    }

    static Column timestamp(String name) {
        return new Column(name, "::timestamptz");
    }

    String placeholder() {
        return "?" + cast;
    }
}
