package io.multisite.gateway.proxy;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * @param maxBodySize request bodies are held in memory (to find a user id and to resend them after a
 *                    421), so they are capped; larger ones are answered 413 (MAX_BODY_SIZE)
 * @param addressTtl how long a service's resolved address is used at most, whatever the DNS answer
 *                   says (ADDRESS_TTL): a site that leaves and rejoins the WAN comes back with new
 *                   addresses, and Docker's DNS answers with a TTL of 600 s
 */
@ConfigurationProperties("multisite.proxy")
record ProxyProperties(DataSize maxBodySize, Duration addressTtl) {

    ProxyProperties {
        if (maxBodySize == null || maxBodySize.toBytes() < 1 || maxBodySize.toBytes() > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("multisite.proxy.max-body-size must be between 1 byte and 1 GB");
        }
        if (addressTtl == null || addressTtl.isNegative() || addressTtl.isZero()) {
            throw new IllegalArgumentException("multisite.proxy.address-ttl must be positive");
        }
    }
}
