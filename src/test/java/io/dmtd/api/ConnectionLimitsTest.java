package io.dmtd.api;

import io.dmtd.DmtdServerApplication;
import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Connection limits with short timeouts (1 s idle, 1 s between body reads, 2 s per body), over raw sockets:
 * what an idle, stalled or lying client holds is released in time, while a long and partly silent event stream
 * is never cut. Also the rate limit: once a key got 429, no spelling of a route gets through.
 */
@SpringBootTest(classes = DmtdServerApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
                "dmtd.api.api-keys=" + ConnectionLimitsTest.KEY + "," + ConnectionLimitsTest.STREAM_KEY + ","
                        + ConnectionLimitsTest.RATE_KEY,
                "dmtd.api.rate-limit.enabled=true",
                "dmtd.api.rate-limit.limit-for-period=" + ConnectionLimitsTest.RATE_LIMIT,
                "dmtd.api.rate-limit.refresh-period=1h",
                "server.netty.idle-timeout=1s",
                "server.netty.max-keep-alive-requests=3",
                "server.max-http-request-header-size=2KB",
                "server.netty.max-initial-line-length=1KB",
                "dmtd.api.body-read-timeout=1s",
                "dmtd.api.body-timeout=2s"})
@Import(ServingTest.ScriptedDoubles.class)
class ConnectionLimitsTest {

    static final String KEY = "limits-key";
    /** Each key has its own rate limit: one for the stream test, one that is used up. */
    static final String STREAM_KEY = "stream-key";
    static final String RATE_KEY = "rate-key";
    static final int RATE_LIMIT = 5;
    /** Every configured timeout is 2 s at most; this leaves room for a loaded machine. */
    static final Duration CLOSED_WITHIN = Duration.ofSeconds(5);
    static final String HELLO = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    @LocalServerPort
    int port;
    @Autowired
    ScriptedEngine engine;
    @Autowired
    EngineGuard guard;
    RawHttp http;

    @BeforeEach
    void setUp() {
        engine.reset();
        guard.circuitBreaker().reset();
        guard.startAccepting();
        http = new RawHttp(port);
    }

    private Socket sending(String bytes) throws IOException {
        Socket socket = http.open(CLOSED_WITHIN);
        socket.getOutputStream().write(bytes.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return socket;
    }

    @Test
    void anIdleConnectionIsClosed() throws IOException {
        try (Socket socket = http.open(CLOSED_WITHIN)) {
            assertThat(RawHttp.timeToClose(socket, CLOSED_WITHIN)).isGreaterThan(Duration.ofMillis(500));
        }
    }

    @Test
    void partialHeadersAreClosed() throws IOException {
        try (Socket socket = sending("POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-")) {
            RawHttp.timeToClose(socket, CLOSED_WITHIN);
        }
    }

    @Test
    void aBodyShorterThanItsContentLengthIs408AndClosed() throws IOException {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n";
        try (Socket socket = sending(head + "{\"messages\":")) {
            long start = System.nanoTime();
            RawHttp.Response response = RawHttp.parse(socket.getInputStream().readAllBytes());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CLOSED_WITHIN);
            assertThat(response.status()).as(response.toString()).isEqualTo(408);
            assertThat(response.isOpenAiError()).isTrue();
        }
        // Refused before its body is read (no key): the unread rest must not hold the connection either.
        String anonymous = head.replace("Authorization: Bearer " + KEY + "\r\n", "");
        try (Socket socket = sending(anonymous + "{\"messages\":")) {
            RawHttp.timeToClose(socket, CLOSED_WITHIN);
        }
    }

    @Test
    void aBodyTrickledSlowerThanTheBodyTimeoutIs408() throws IOException, InterruptedException {
        String head = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY
                + "\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n";
        try (Socket socket = sending(head)) {
            long start = System.nanoTime();
            // A byte every 400 ms: never a pause of 1 s, but more than 2 s for the body.
            for (int i = 0; i < 8 && !socket.isInputShutdown(); i++) {
                Thread.sleep(400);
                try {
                    socket.getOutputStream().write(' ');
                } catch (IOException closed) {
                    break;
                }
            }
            RawHttp.Response response = RawHttp.parse(socket.getInputStream().readAllBytes());
            assertThat(response.status()).as(response.toString()).isEqualTo(408);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(CLOSED_WITHIN);
        }
    }

    @Test
    void aKeptAliveConnectionIsClosedWhenIdleAndAfterItsRequestLimit() throws IOException {
        String request = "GET /v1/models HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + KEY + "\r\n\r\n";
        String refused = "GET /v1/models HTTP/1.1\r\nHost: localhost\r\n\r\n";
        try (Socket socket = sending(request)) {
            assertThat(readResponse(socket).status()).isEqualTo(200);
            assertThat(RawHttp.timeToClose(socket, CLOSED_WITHIN)).as("idle after a response")
                    .isGreaterThan(Duration.ofMillis(500));
        }
        try (Socket socket = sending(request)) {
            assertThat(readResponse(socket).status()).isEqualTo(200);
            socket.getOutputStream().write(refused.getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(socket).status()).as("kept alive after a 401").isEqualTo(401);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            RawHttp.Response third = readResponse(socket);
            assertThat(third.status()).isEqualTo(200);
            assertThat(third.header("Connection")).isEqualToIgnoringCase("close");
            assertThat(RawHttp.timeToClose(socket, Duration.ofSeconds(1))).as("closed after 3 requests")
                    .isLessThan(Duration.ofMillis(900));
        }
    }

    @Test
    void aLongStreamWithSilentGapsIsNotCut() {
        // 2.5 s before the first token, then 12 tokens 250 ms apart: longer than every timeout, silent for
        // longer than the idle timeout.
        List<String> tokens = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            tokens.add("t" + i + " ");
        }
        engine.respond(ScriptedEngine.Script.of(tokens.toArray(String[]::new))
                .delayed(Duration.ofMillis(2500), Duration.ofMillis(250)));
        long start = System.nanoTime();
        RawHttp.Response response = http.send("POST", "/v1/chat/completions",
                Map.of("Authorization", "Bearer " + STREAM_KEY, "Content-Type", "application/json"),
                "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(Duration.ofMillis(5000));
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("t0 ", "t11 ").endsWith("data: [DONE]\n\n");
    }

    @Test
    void oversizedHeadersAndRequestLinesAreRefusedByNetty() {
        RawHttp.Response headers = http.send("GET", "/v1/models",
                Map.of("Authorization", "Bearer " + KEY, "X-Padding", "p".repeat(3000)), null);
        assertThat(headers.status()).isEqualTo(431);
        RawHttp.Response line = http.send("GET", "/v1/models?" + "q".repeat(2000), Map.of(), null);
        assertThat(line.status()).isEqualTo(414);
    }

    @Test
    void afterA429NoSpellingOfARouteIsServed() {
        Map<String, String> rateKey = Map.of("Authorization", "Bearer " + RATE_KEY);
        int served = 0;
        RawHttp.Response response;
        do {
            response = http.send("GET", "/v1/models", rateKey, null);
            served += response.status() == 200 ? 1 : 0;
        } while (response.status() == 200 && served <= RATE_LIMIT);
        assertThat(served).isEqualTo(RATE_LIMIT);
        assertThat(response.status()).isEqualTo(429);
        assertThat(response.header("Retry-After")).isNotBlank();
        for (String[] route : PathSpellingTest.ROUTES) {
            List<String> spellings = new ArrayList<>(PathSpellingTest.nonCanonical(route[1]));
            spellings.addAll(PathSpellingTest.equivalent(route[1]));
            spellings.add(route[1]);
            for (String spelling : spellings) {
                for (Map<String, String> headers : List.of(rateKey, Map.<String, String>of())) {
                    Map<String, String> sent = new java.util.LinkedHashMap<>(headers);
                    if (route[2] != null) {
                        sent.put("Content-Type", "application/json");
                    }
                    RawHttp.Response answer = http.send(route[0], spelling, sent, route[2]);
                    assertThat(answer.status()).as("%s %s %s: %s", route[0], spelling, headers.keySet(), answer)
                            .isIn(400, 401, 404, 429);
                }
            }
        }
    }

    /** One response off a kept-alive connection: headers, then Content-Length bytes of body. */
    private static RawHttp.Response readResponse(Socket socket) throws IOException {
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed before a response: " + head);
            }
            head.append((char) b);
        }
        RawHttp.Response parsed = RawHttp.parse(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        String length = parsed.header("Content-Length");
        byte[] body = in.readNBytes(length == null ? 0 : Integer.parseInt(length));
        return new RawHttp.Response(parsed.status(), parsed.headers(), new String(body, StandardCharsets.UTF_8));
    }
}
