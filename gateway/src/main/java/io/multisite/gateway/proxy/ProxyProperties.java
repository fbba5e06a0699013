package io.multisite.gateway.proxy;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/**
 * @param maxBodySize request bodies are held in memory (to find a user id and to resend them after a
 *                    421), so they are capped; larger ones are answered 413 (MAX_BODY_SIZE)
 */
@ConfigurationProperties("multisite.proxy")
record ProxyProperties(DataSize maxBodySize) {

    ProxyProperties {
        if (maxBodySize == null || maxBodySize.toBytes() < 1 || maxBodySize.toBytes() > Integer.MAX_VALUE / 2) {
            throw new IllegalArgumentException("multisite.proxy.max-body-size must be between 1 byte and 1 GB");
        }
    }
}
