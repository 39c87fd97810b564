package io.dmtd.api;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every spelling of a protected route the router might read as that route, sent raw with keys configured:
 * without a key, 400 or 401; with a key, 400 or 404 for the non-canonical ones. Never 200 but for the
 * canonical path with a valid key, which is the control that the table reaches the routes at all.
 */
@ServingTest
class PathSpellingTest {

    static final String CHAT_BODY = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    /** The protected routes: method, canonical path, body. */
    static final List<String[]> ROUTES = List.of(
            new String[]{"POST", "/v1/chat/completions", CHAT_BODY},
            new String[]{"GET", "/v1/models", null},
            new String[]{"HEAD", "/v1/models", null});

    @LocalServerPort
    int port;
    @Autowired
    ScriptedEngine engine;
    @Autowired
    EngineGuard guard;

    @BeforeEach
    void setUp() {
        engine.reset();
        guard.circuitBreaker().reset();
        guard.startAccepting();
    }

    /** Spellings of {@code path} that are not its canonical form, each segment altered in each way. */
    static List<String> nonCanonical(String path) {
        String[] segments = path.substring(1).split("/");
        List<String> spellings = new ArrayList<>();
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            spellings.add(with(segments, i, s + ";x=1"));
            spellings.add(with(segments, i, s + ";"));
            spellings.add(with(segments, i, ";" + s));
            spellings.add(with(segments, i, percentEncoded(s, 0)));
            spellings.add(with(segments, i, percentEncoded(s, s.length() - 1)));
            spellings.add(with(segments, i, percentEncodedAll(s)));
            spellings.add(with(segments, i, percentEncodedAll(s).toLowerCase()));
            spellings.add(with(segments, i, s.toUpperCase()));
            spellings.add(with(segments, i, "/" + s));
            spellings.add(with(segments, i, s + "/"));
            spellings.add(with(segments, i, "./" + s));
            spellings.add(with(segments, i, "x/../" + s));
            spellings.add(with(segments, i, "%2e/" + s));
            spellings.add(with(segments, i, "%2E%2E/" + segments[Math.max(0, i - 1)] + "/" + s));
            spellings.add(with(segments, i, s + "%2F"));
            spellings.add(with(segments, i, s + "%00"));
            spellings.add(with(segments, i, s + "\\"));
        }
        spellings.add("/" + path);
        spellings.add(path + "/");
        spellings.add(path + "/.");
        spellings.add(path + "/..");
        spellings.add(path + "//");
        spellings.add(path.toUpperCase());
        spellings.add(path.replace("/", "%2F"));
        spellings.add(path.replace("/", "//"));
        return spellings;
    }

    /** Spellings the router reads as the canonical path and so must meet the key check: query, absolute form. */
    static List<String> equivalent(String path) {
        return List.of(path + "?x=1", path + "?", "http://localhost" + path, "http://other.example:1" + path);
    }

    private static String with(String[] segments, int index, String replacement) {
        StringBuilder path = new StringBuilder();
        for (int i = 0; i < segments.length; i++) {
            path.append('/').append(i == index ? replacement : segments[i]);
        }
        return path.toString();
    }

    private static String percentEncoded(String segment, int at) {
        return segment.substring(0, at) + String.format("%%%02X", (int) segment.charAt(at)) + segment.substring(at + 1);
    }

    private static String percentEncodedAll(String segment) {
        StringBuilder encoded = new StringBuilder();
        segment.chars().forEach(c -> encoded.append(String.format("%%%02X", c)));
        return encoded.toString();
    }

    private RawHttp.Response send(String[] route, String target, String key, Map<String, String> extra) {
        Map<String, String> headers = new LinkedHashMap<>(extra);
        if (key != null) {
            headers.put("Authorization", "Bearer " + key);
        }
        if (route[2] != null) {
            headers.put("Content-Type", "application/json");
        }
        return new RawHttp(port).send(route[0], target, headers, route[2]);
    }

    @Test
    void canonicalPathsWithAKeyAreServedWithoutAreNot() {
        for (String[] route : ROUTES) {
            assertThat(send(route, route[1], ServingTest.KEY, Map.of()).status()).as(route[0] + " " + route[1])
                    .isEqualTo(200);
            assertThat(send(route, route[1], null, Map.of()).status()).as(route[0] + " " + route[1]).isEqualTo(401);
        }
    }

    @Test
    void noSpellingBypassesTheKey() {
        for (String[] route : ROUTES) {
            for (String spelling : nonCanonical(route[1])) {
                RawHttp.Response response = send(route, spelling, null, Map.of());
                assertThat(response.status()).as("%s %s without a key: %s", route[0], spelling, response)
                        .isIn(400, 401);
                assertOpenAiShaped(route, spelling, response);
            }
            for (String spelling : equivalent(route[1])) {
                RawHttp.Response response = send(route, spelling, null, Map.of());
                assertThat(response.status()).as("%s %s without a key: %s", route[0], spelling, response)
                        .isEqualTo(401);
            }
        }
    }

    @Test
    void nonCanonicalSpellingsAreNotRoutedEvenWithAKey() {
        for (String[] route : ROUTES) {
            for (String spelling : nonCanonical(route[1])) {
                RawHttp.Response response = send(route, spelling, ServingTest.KEY, Map.of());
                assertThat(response.status()).as("%s %s with a key: %s", route[0], spelling, response)
                        .isIn(400, 404);
                assertOpenAiShaped(route, spelling, response);
            }
        }
    }

    @Test
    void forwardedHeadersChangeNeitherThePathNorTheKeyCheck() {
        Map<String, String> forwarded = Map.of("X-Forwarded-Prefix", "/actuator", "X-Forwarded-Host", "evil.example",
                "Forwarded", "host=evil.example;proto=https", "X-Forwarded-Proto", "https");
        for (String[] route : ROUTES) {
            assertThat(send(route, route[1], null, forwarded).status()).as(route[0] + " " + route[1]).isEqualTo(401);
            assertThat(send(route, route[1], ServingTest.KEY, forwarded).status()).isEqualTo(200);
        }
    }

    @Test
    void theActuatorIsOpenOnlyUnderItsOwnPath() {
        String[] get = {"GET", "/actuator/health/liveness", null};
        assertThat(send(get, "/actuator/health/liveness", null, Map.of()).status()).isEqualTo(200);
        for (String spelling : List.of("/actuator/../v1/models", "/actuator/%2e%2e/v1/models", "/actuator;/../v1/models",
                "/actuator/..;/v1/models", "/actuatorx/v1/models", "/actuator%2F..%2Fv1/models")) {
            RawHttp.Response response = send(get, spelling, null, Map.of());
            assertThat(response.status()).as("%s: %s", spelling, response).isIn(400, 401, 404);
        }
    }

    /**
     * Shaped by the application, except a target that is no URI at all (a backslash): Spring's Netty adapter
     * refuses it with an empty 400 before any filter runs (RELIABILITY.md lists these).
     */
    private static void assertOpenAiShaped(String[] route, String spelling, RawHttp.Response response) {
        if (spelling.contains("\\")) {
            assertThat(response.status()).isEqualTo(400);
        } else if (!"HEAD".equals(route[0])) {
            assertThat(response.isOpenAiError()).as("%s %s: %s", route[0], spelling, response).isTrue();
        }
    }
}
