package io.dmtd.api;

import io.dmtd.ai.EngineGuard;
import io.dmtd.ai.ScriptedEngine;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.test.web.reactive.server.WebTestClient;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code response_format} through the HTTP API: what reaches the engine, and every refusal's 400 body. */
@ServingTest
class StructuredOutputApiTest {

    private static final String SCHEMA = "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},"
            + "\"required\":[\"city\"],\"additionalProperties\":false}";

    @Autowired
    WebTestClient anonymous;
    @Autowired
    ScriptedEngine engine;
    @Autowired
    EngineGuard guard;
    @LocalServerPort
    int port;
    WebTestClient client;

    @BeforeEach
    void setUp() {
        engine.reset();
        guard.circuitBreaker().reset();
        guard.startAccepting();
        client = anonymous.mutate().defaultHeader(HttpHeaders.AUTHORIZATION, "Bearer " + ServingTest.KEY).build();
    }

    private WebTestClient.ResponseSpec post(String responseFormat) {
        return client.post().uri("/v1/chat/completions").contentType(MediaType.APPLICATION_JSON)
                .bodyValue("{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"response_format\":"
                        + responseFormat + "}")
                .exchange();
    }

    @Test
    void jsonSchemaAndJsonObjectReachTheEngineAsGrammars() {
        post("{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"place\",\"strict\":true,\"schema\":" + SCHEMA
                + "}}").expectStatus().isOk();
        assertThat(engine.requests().getLast().grammar().description()).isEqualTo("json_schema");
        post("{\"type\":\"json_object\"}").expectStatus().isOk();
        assertThat(engine.requests().getLast().grammar().description()).isEqualTo("json_object");
        post("{\"type\":\"text\"}").expectStatus().isOk();
        assertThat(engine.requests().getLast().grammar()).isNull();
    }

    @Test
    void theSameSchemaCompilesOnce() {
        String format = "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"p\",\"schema\":" + SCHEMA + "}}";
        post(format).expectStatus().isOk();
        var first = engine.requests().getLast().grammar();
        post(format).expectStatus().isOk();
        assertThat(engine.requests().getLast().grammar()).isSameAs(first);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"json\"|response_format|must be an object",
            "{\"type\":\"yaml\"}|response_format.type|text, json_object or json_schema",
            "{\"type\":\"json_schema\"}|response_format.json_schema|must be an object",
            "{\"type\":\"json_schema\",\"json_schema\":{\"schema\":{}}}|response_format.json_schema.name|name",
            "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\"}}|response_format.json_schema.schema|schema",
            "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"strict\":1,\"schema\":{}}}"
                    + "|response_format.json_schema.strict|boolean",
            "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":{\"type\":\"object\","
                    + "\"properties\":{\"a\":{\"type\":\"array\",\"uniqueItems\":true}}}}}"
                    + "|response_format|schema keyword 'uniqueItems' at #/properties/a is not supported",
            "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"n\",\"schema\":{\"type\":\"string\","
                    + "\"pattern\":\"(?<=a)b\"}}}|response_format|schema keyword 'pattern' at # is not supported"})
    void refusalsAre400NamingTheField(String format, String param, String message) {
        post(format).expectStatus().isBadRequest().expectBody()
                .jsonPath("$.error.type").isEqualTo("invalid_request_error")
                .jsonPath("$.error.param").isEqualTo(param)
                .jsonPath("$.error.message").value(m -> assertThat((String) m).contains(message));
        assertThat(engine.requests()).isEmpty();
    }

    @Test
    void springAiOpenAiClientSendsAJsonSchema() {
        OpenAiChatModel openAi = OpenAiChatModel.builder()
                .options(OpenAiChatOptions.builder()
                        .baseUrl("http://localhost:" + port + "/v1")
                        .apiKey(ServingTest.KEY)
                        .model("scripted-qwen3")
                        .responseFormat(OpenAiChatModel.ResponseFormat.builder()
                                .type(OpenAiChatModel.ResponseFormat.Type.JSON_SCHEMA).jsonSchema(SCHEMA).build())
                        .build())
                .build();
        openAi.call(new Prompt("Where?"));
        assertThat(engine.requests().getLast().grammar().description()).isEqualTo("json_schema");
    }
}
