package io.dmtd.api;

import org.springframework.core.Ordered;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Reads an empty {@code Accept} header as an absent one (any media type). Left as it is, it makes the actuator's
 * Prometheus endpoint fail with a 500 (it finds no output format for it).
 */
public final class BlankAcceptFilter implements WebFilter, Ordered {

    @Override
    public int getOrder() {
        return Ordered.HIGHEST_PRECEDENCE + 2;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        var accept = exchange.getRequest().getHeaders().get(HttpHeaders.ACCEPT);
        if (accept == null || accept.stream().anyMatch(value -> !value.isBlank())) {
            return chain.filter(exchange);
        }
        return chain.filter(exchange.mutate()
                .request(request -> request.headers(headers -> headers.remove(HttpHeaders.ACCEPT))).build());
    }
}
