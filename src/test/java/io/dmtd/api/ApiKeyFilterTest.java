package io.dmtd.api;

import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import io.github.resilience4j.ratelimiter.RequestNotPermitted;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpHeaders;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import java.util.Map;

class ApiKeyFilterTest {

    private final ApiProperties properties = new Binder(new MapConfigurationPropertySource(Map.of(
            "dmtd.api.api-keys[0]", "k1", "dmtd.api.api-keys[1]", "k2",
            "dmtd.api.rate-limit.enabled", "true", "dmtd.api.rate-limit.limit-for-period", "2",
            "dmtd.api.rate-limit.refresh-period", "1h"))).bindOrCreate("dmtd.api", ApiProperties.class);
    private final ApiKeyFilter filter = new ApiKeyFilter(properties, null, "/actuator");
    private final WebFilterChain chain = exchange -> Mono.empty();

    private Mono<Void> call(String key) {
        return filter.filter(MockServerWebExchange.from(MockServerHttpRequest.post("/v1/chat/completions")
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + key)), chain);
    }

    @Test
    void eachKeyHasItsOwnRateLimit() {
        StepVerifier.create(call("k1")).verifyComplete();
        StepVerifier.create(call("k1")).verifyComplete();
        StepVerifier.create(call("k1")).verifyError(RequestNotPermitted.class);
        StepVerifier.create(call("k2")).verifyComplete();
    }

    @Test
    void wrongKeyIsRefused() {
        StepVerifier.create(call("k3")).verifyErrorMatches(e -> e instanceof ApiException api
                && api.status().value() == 401);
    }
}
