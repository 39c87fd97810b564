package io.dmtd.api;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What a careless or hostile client meets around the chat body: media types, methods, paths, JSON limits, logs. */
@ServingTest
class ApiSurfaceTest {

    static final String HELLO = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    static final Map<String, String> KEY = Map.of("Authorization", "Bearer " + ServingTest.KEY);

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

    private RawHttp.Response post(String contentType, String body) {
        Map<String, String> headers = new LinkedHashMap<>(KEY);
        if (contentType != null) {
            headers.put("Content-Type", contentType);
        }
        return http.send("POST", "/v1/chat/completions", headers, body);
    }

    @ParameterizedTest
    @ValueSource(strings = {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
            "application/xml", "text/json", "not a media type", "application/", ";"})
    void nonJsonContentTypeIs415(String contentType) {
        RawHttp.Response response = post(contentType, HELLO);
        assertThat(response.status()).as(response.toString()).isEqualTo(415);
        assertThat(response.isOpenAiError()).as(response.toString()).isTrue();
        assertThat(response.body()).contains("unsupported_media_type");
    }

    @ParameterizedTest
    @ValueSource(strings = {"application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
            "application/vnd.api+json"})
    void jsonContentTypesAreServed(String contentType) {
        assertThat(post(contentType, HELLO).status()).isEqualTo(200);
    }

    @Test
    void absentContentTypeIsReadAsJson() {
        assertThat(post(null, HELLO).status()).isEqualTo(200);
        assertThat(post(null, "a=b").status()).isEqualTo(400);
    }

    @Test
    void otherMethodsOnKnownPathsAre405NamingTheAllowedOnes() {
        for (String method : List.of("GET", "PUT", "DELETE", "PATCH", "OPTIONS")) {
            RawHttp.Response response = http.send(method, "/v1/chat/completions", KEY, null);
            assertThat(response.status()).as(method + ": " + response).isEqualTo(405);
            assertThat(response.header("Allow")).isEqualTo("POST");
            assertThat(response.isOpenAiError()).isTrue();
        }
        RawHttp.Response response = http.send("POST", "/v1/models", KEY, "{}");
        assertThat(response.status()).isEqualTo(405);
        assertThat(response.header("Allow")).contains("GET").contains("HEAD");
        assertThat(response.isOpenAiError()).isTrue();
    }

    @Test
    void segmentsEndingInADotAre400InOpenAiShape() {
        for (String path : List.of("/actuator/health/l/iveness..", "/actuator/health/liveness.", "/v1/models.",
                "/v1./models")) {
            RawHttp.Response response = http.send("GET", path, KEY, null);
            assertThat(response.status()).as(path + ": " + response).isEqualTo(400);
            assertThat(response.isOpenAiError()).as(path + ": " + response).isTrue();
        }
    }

    @Test
    void unknownPathsAre404InOpenAiShape() {
        for (String path : List.of("/V1/chat/completions", "/v1/completions", "/v2/models", "/", "/error",
                "/v1/chat/completions/", "/actuator/nothing", "/actuator", "/actuator/health/nothing")) {
            RawHttp.Response response = http.send("GET", path, KEY, null);
            assertThat(response.status()).as(path + ": " + response).isEqualTo(404);
            assertThat(response.isOpenAiError()).as(path + ": " + response).isTrue();
        }
        assertThat(http.send("POST", "/V1/chat/completions", KEY, HELLO).body())
                .contains("Invalid URL (POST /V1/chat/completions)");
    }

    @Test
    void unacceptableMediaTypeOnTheActuatorIs406InOpenAiShape() {
        RawHttp.Response response = http.send("GET", "/actuator/health", Map.of("Accept", "image/png"), null);
        assertThat(response.status()).as(response.toString()).isEqualTo(406);
        assertThat(response.isOpenAiError()).as(response.toString()).isTrue();
    }

    @Test
    void aBlankAcceptHeaderMeansAnyMediaType() {
        // Found by RequestFuzzTest: the Prometheus endpoint failed with a 500 on it.
        RawHttp.Response response = http.send("GET", "/actuator/prometheus", Map.of("Accept", ""), null);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        assertThat(response.body()).contains("dmtd_");
    }

    @Test
    void theActuatorIndexIsOffAndNoLinkIsBuiltFromTheHostHeader() {
        String evil = "GET /actuator HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n";
        RawHttp.Response response = http.exchange(evil.getBytes(), java.time.Duration.ofSeconds(10));
        assertThat(response.status()).isEqualTo(404);
        assertThat(response.body()).doesNotContain("evil.example");
        String health = "GET /actuator/health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n";
        assertThat(http.exchange(health.getBytes(), java.time.Duration.ofSeconds(10)).body())
                .doesNotContain("evil.example");
    }

    @Test
    void responsesNameTheServedModelNotTheRequestedOne() {
        String huge = "m".repeat(50_000);
        RawHttp.Response response = post("application/json",
                "{\"model\":\"" + huge + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.body()).contains("\"model\":\"scripted-qwen3\"").doesNotContain("mmmm");
        RawHttp.Response stream = post("application/json",
                "{\"model\":\"other\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(stream.body()).contains("\"model\":\"scripted-qwen3\"").doesNotContain("\"other\"");
    }

    /** Bodies Jackson refuses, each with a message of its own naming its classes or feature flags. */
    static List<String> unreadableBodies() {
        return List.of(
                "[".repeat(3000) + "]".repeat(3000),
                "{\"messages\":" + "[".repeat(3000),
                "{\"messages\":[],\"temperature\":" + "9".repeat(2000) + "}",
                "{\"messages\":NaN}",
                "{\"messages\":[],\"x\":'single'}",
                "{messages:[]}",
                "{\"messages\":[] /* comment */}",
                "{\"messages\":[\"\u0001\"]}",
                "{\"messages\":[],}",
                "{\"a\":1}{\"b\":2}",
                "\u00ff\u00fe{}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":0x10}",
                "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"seed\":" + "1".repeat(30) + "}");
    }

    @Test
    void unreadableJsonIs400InApiTerms() {
        for (String body : unreadableBodies()) {
            RawHttp.Response response = post("application/json", body);
            assertThat(response.status()).as(body.substring(0, Math.min(60, body.length()))).isEqualTo(400);
            assertThat(response.isOpenAiError()).isTrue();
            assertThat(response.body()).as(response.toString())
                    .doesNotContainIgnoringCase("jackson")
                    .doesNotContain("JsonReadFeature", "StreamReadConstraints", "JsonParser", "Feature.", "tools.")
                    .doesNotContainPattern("[a-z]+\\.[a-z]+\\.[A-Z][A-Za-z]+")
                    .doesNotContain("`");
        }
        assertThat(post("application/json", "[".repeat(3000)).body()).contains("deeper than");
    }

    @Test
    void aBurstOfClientErrorsLogsNothingAtWarnOrAboveAndNoStackTrace() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        root.addAppender(captured);
        List<Integer> statuses = new ArrayList<>();
        try {
            String tooLong = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5000) + "\"}]";
            for (int i = 0; i < 10; i++) {
                statuses.add(post("application/json", tooLong + "}").status());
                statuses.add(post("application/json", tooLong + ",\"stream\":true}").status());
                statuses.add(post("application/json", HELLO.replace("]}", "],\"dmtd_tau\":99}")).status());
                statuses.add(post("application/json", HELLO.replace("]}", "],\"dmtd_tau\":99,\"stream\":true}"))
                        .status());
                statuses.add(post("application/json", "{not json").status());
                statuses.add(post("application/json", "[".repeat(3000)).status());
                statuses.add(post("application/json", "").status());
                statuses.add(post("text/plain", HELLO).status());
                statuses.add(post("application/json", "{\"messages\":[{\"role\":\"user\",\"content\":\""
                        + "x".repeat(70 * 1024) + "\"}]}").status());
                statuses.add(http.send("POST", "/v1/chat/completions", Map.of("Content-Type", "application/json"),
                        HELLO).status());
                statuses.add(http.send("GET", "/v1;x/models", KEY, null).status());
                statuses.add(http.send("GET", "/V1/models", KEY, null).status());
                statuses.add(http.send("PUT", "/v1/models", KEY, null).status());
            }
        } finally {
            root.detachAppender(captured);
        }
        assertThat(statuses).allSatisfy(status -> assertThat(status).isBetween(400, 499));
        assertThat(captured.list).as("events at WARN or above")
                .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.WARN)).isEmpty();
        assertThat(captured.list).as("stack traces at INFO or above")
                .filteredOn(event -> event.getLevel().isGreaterOrEqual(Level.INFO) && event.getThrowableProxy() != null)
                .isEmpty();
    }
}
