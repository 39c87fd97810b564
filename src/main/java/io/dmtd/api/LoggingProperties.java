package io.dmtd.api;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param logPrompts log prompts and completions ({@code dmtd.logging.log-prompts}); off, only ids and token
 *                   counts are logged
 */
@ConfigurationProperties("dmtd.logging")
public record LoggingProperties(@DefaultValue("false") boolean logPrompts) {
}
