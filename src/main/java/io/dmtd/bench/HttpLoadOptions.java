package io.dmtd.bench;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;

/**
 * What {@code bench-http} sends. Bounded on purpose: a load generator that can only aim at this machine, with a cap
 * on clients, requests and total time.
 *
 * @param url            the chat completions endpoint (a bare {@code http://host:port} gets /v1/chat/completions)
 * @param clients        concurrent streaming clients, each sending its requests one after another
 * @param requests       requests in total, shared among the clients
 * @param maxTokens      {@code max_tokens} of each request
 * @param tau            {@code dmtd_tau} of each request; 0 leaves it to the server
 * @param model          {@code model} of each request
 * @param prompt         the user message
 * @param requestTimeout how long a request may wait for its response headers
 * @param deadline       the whole run's limit: no request starts after it, streams still open are cut
 */
public record HttpLoadOptions(URI url, int clients, int requests, int maxTokens, int tau, String model, String prompt,
                              Duration requestTimeout, Duration deadline) {

    public static final int MAX_CLIENTS = 256;
    public static final int MAX_REQUESTS = 100_000;
    public static final Duration MAX_DEADLINE = Duration.ofHours(1);
    static final String CHAT_PATH = "/v1/chat/completions";

    public HttpLoadOptions {
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
            throw new IllegalArgumentException("--url must be http(s)://..., was " + url);
        }
        if (url.getHost() == null) {
            throw new IllegalArgumentException("--url has no host: " + url);
        }
        requireLoopback(url.getHost());
        if (url.getPath() == null || url.getPath().isEmpty() || "/".equals(url.getPath())) {
            url = url.resolve(CHAT_PATH);
        }
        if (clients < 1 || clients > MAX_CLIENTS) {
            throw new IllegalArgumentException("clients must be in [1, " + MAX_CLIENTS + "], was " + clients);
        }
        if (requests < 1 || requests > MAX_REQUESTS) {
            throw new IllegalArgumentException("requests must be in [1, " + MAX_REQUESTS + "], was " + requests);
        }
        if (maxTokens < 1 || tau < 0) {
            throw new IllegalArgumentException("max tokens must be >= 1 and tau >= 0");
        }
        if (requestTimeout.isNegative() || requestTimeout.isZero() || deadline.isNegative() || deadline.isZero()
                || deadline.compareTo(MAX_DEADLINE) > 0) {
            throw new IllegalArgumentException("timeouts must be positive and the deadline at most " + MAX_DEADLINE);
        }
    }

    /** Refuses any host that is not this machine: the tool must never load someone else's server. */
    private static void requireLoopback(String host) {
        try {
            InetAddress[] addresses = InetAddress.getAllByName(host);
            for (InetAddress address : addresses) {
                if (!address.isLoopbackAddress()) {
                    throw new IllegalArgumentException("bench-http only targets loopback addresses; " + host
                            + " resolves to " + address.getHostAddress());
                }
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host, e);
        }
    }
}
