package io.dmtd.api;

import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.List;

/**
 * Guards every path but the actuator's before any body is read: 413 for a declared body over the limit, 401
 * without a valid bearer key (when keys are configured), 429 over the per-key rate limit (when enabled). Keys
 * are compared as SHA-256 digests with {@link MessageDigest#isEqual}, so timing reveals neither content nor
 * length.
 *
 * <p>Protection is by default: only the actuator base path is open, any other path (an unknown one included)
 * needs a key. The path tested is the one the router matches ({@code pathWithinApplication}), and
 * {@link CanonicalPathFilter} has already refused every spelling the router would read differently.
 */
public final class ApiKeyFilter implements WebFilter, Ordered {

    private static final String BEARER = "Bearer ";

    private final ApiProperties properties;
    private final ApiErrors errors;
    private final List<byte[]> keyDigests;
    /** One limiter per configured key (by position), or a single one without keys. */
    private final List<RateLimiter> rateLimiters;

    private final String actuatorBasePath;

    public ApiKeyFilter(ApiProperties properties, ApiErrors errors, String actuatorBasePath) {
        this.properties = properties;
        this.errors = errors;
        this.actuatorBasePath = actuatorBasePath.endsWith("/")
                ? actuatorBasePath.substring(0, actuatorBasePath.length() - 1) : actuatorBasePath;
        this.keyDigests = properties.apiKeys().stream().filter(k -> !k.isBlank()).map(ApiKeyFilter::sha256).toList();
        RateLimiterConfig config = RateLimiterConfig.custom()
                .limitForPeriod(properties.rateLimit().limitForPeriod())
                .limitRefreshPeriod(properties.rateLimit().refreshPeriod())
                .timeoutDuration(Duration.ZERO)
                .build();
        int limiters = Math.max(1, keyDigests.size());
        this.rateLimiters = java.util.stream.IntStream.range(0, limiters)
                .mapToObj(i -> RateLimiter.of("dmtd-api-key-" + i, config)).toList();
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 10;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        long declared = exchange.getRequest().getHeaders().getContentLength();
        if (declared > properties.maxBodySize().toBytes()) {
            return Mono.error(errors.tooLarge());
        }
        if (isOpen(exchange.getRequest().getPath().pathWithinApplication().value())) {
            return chain.filter(exchange);
        }
        int keyIndex = 0;
        if (!keyDigests.isEmpty()) {
            keyIndex = matchKey(exchange.getRequest().getHeaders().getFirst(HttpHeaders.AUTHORIZATION));
            if (keyIndex < 0) {
                return Mono.error(new ApiException(HttpStatus.UNAUTHORIZED, "invalid_request_error",
                        "missing or invalid API key (send 'Authorization: Bearer <key>')", null,
                        "invalid_api_key", null));
            }
        }
        if (properties.rateLimit().enabled()) {
            RateLimiter limiter = rateLimiters.get(keyIndex);
            if (!limiter.acquirePermission()) {
                return Mono.error(RequestNotPermitted.createRequestNotPermitted(limiter));
            }
        }
        return chain.filter(exchange);
    }

    /** The actuator (health probes, metrics scraping) is open; a separate management port can shield it. */
    private boolean isOpen(String path) {
        return !actuatorBasePath.isEmpty() && (path.equals(actuatorBasePath) || path.startsWith(actuatorBasePath + "/"));
    }

    /** Index of the matching key, or -1; checks every key so timing does not depend on which matched. */
    private int matchKey(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return -1;
        }
        byte[] presented = sha256(authorization.substring(BEARER.length()).strip());
        int match = -1;
        for (int i = 0; i < keyDigests.size(); i++) {
            if (MessageDigest.isEqual(presented, keyDigests.get(i)) && match < 0) {
                match = i;
            }
        }
        return match;
    }

    private static byte[] sha256(String key) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }
}
