package io.dmtd.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

import java.time.Duration;
import java.util.List;

/**
 * The OpenAI-compatible HTTP API ({@code dmtd.api.*}).
 *
 * @param maxBodySize largest request body; larger ones get 413 (keep {@code spring.codec.max-in-memory-size} at
 *                    least this large)
 * @param apiKeys     bearer keys accepted on {@code /v1/**}; empty = no authentication
 * @param rateLimit   optional per-key request rate limit
 * @param bodyReadTimeout the longest pause while a request body is read (a client that declared more bytes
 *                        than it sends): 408, and the connection is closed
 * @param bodyTimeout     the longest time to read a whole request body: 408, and the connection is closed
 */
@ConfigurationProperties("dmtd.api")
public record ApiProperties(
        @DefaultValue("1MB") DataSize maxBodySize,
        @DefaultValue List<String> apiKeys,
        @DefaultValue RateLimit rateLimit,
        @DefaultValue("20s") Duration bodyReadTimeout,
        @DefaultValue("60s") Duration bodyTimeout) {

    public ApiProperties {
        if (!bodyReadTimeout.isPositive() || !bodyTimeout.isPositive()) {
            throw new IllegalArgumentException("dmtd.api.body-read-timeout and dmtd.api.body-timeout must be "
                    + "positive, were " + bodyReadTimeout + " and " + bodyTimeout);
        }
    }

    /**
     * @param enabled        limit requests per key (or per server, without keys)
     * @param limitForPeriod requests allowed per period
     * @param refreshPeriod  the period
     */
    public record RateLimit(
            @DefaultValue("false") boolean enabled,
            @DefaultValue("60") int limitForPeriod,
            @DefaultValue("1m") Duration refreshPeriod) {
    }
}
