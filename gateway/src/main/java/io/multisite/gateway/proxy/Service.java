package io.multisite.gateway.proxy;

/** The services a gateway forwards to, named as in configuration and in the compose file. */
enum Service {
    ACCOUNT_SERVICE("account-service"),
    NEWS_SERVICE("news-service"),
    FAILOVER_CONTROLLER("failover-controller");

    private final String configName;

    Service(String configName) {
        this.configName = configName;
    }

    String configName() {
        return configName;
    }
}
