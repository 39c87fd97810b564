package io.dmtd.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Whether an application serves the OpenAI-compatible API ({@code spring.ai.dmtd.server.*}).
 *
 * @param enabled serve {@code POST /v1/chat/completions} and {@code GET /v1/models} (in a WebFlux application); off
 *                in an application that uses the library, on in the dmtd-server application
 */
@ConfigurationProperties(DmtdServerProperties.PREFIX)
public record DmtdServerProperties(@DefaultValue("false") boolean enabled) {

    public static final String PREFIX = "spring.ai.dmtd.server";
}
