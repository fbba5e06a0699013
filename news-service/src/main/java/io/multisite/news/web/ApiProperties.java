package io.multisite.news.web;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.unit.DataSize;

/** @param maxBodySize larger request bodies are answered with 413 */
@ConfigurationProperties("multisite.api")
record ApiProperties(DataSize maxBodySize) {
}
