package io.dmtd.ai;

import java.time.Duration;

/** No first token arrived within the configured deadline; the generation has been cancelled. */
public final class GenerationTimeoutException extends RuntimeException {

    public GenerationTimeoutException(Duration deadline) {
        super("no token was generated within " + deadline.toMillis() + " ms");
    }
}
