package io.dmtd.ai;

import io.dmtd.engine.OrtDmtdEngine;
import io.dmtd.engine.TinyModel;
import io.micrometer.observation.ObservationRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Structured output through Spring AI on the committed tiny model, whose weights are random: any valid JSON it
 * writes is the constraint's doing.
 */
class StructuredOutputTinyModelTest {

    enum Level { LOW, HIGH }

    record Reading(int value, boolean ok, Level level) {
    }

    private static OrtDmtdEngine engine;
    private static DmtdChatModel model;

    @BeforeAll
    static void start() {
        engine = TinyModel.engine(TinyModel.cpu());
        ResilienceProperties resilience = DmtdChatModelTest.bind(ResilienceProperties.class, "dmtd.resilience",
                Map.of("dmtd.resilience.request-timeout", "60s", "dmtd.resilience.first-token-timeout", "60s"));
        DmtdChatProperties chat = DmtdChatModelTest.bind(DmtdChatProperties.class, DmtdChatProperties.PREFIX,
                Map.of("spring.ai.dmtd.chat.options.max-tokens", "120"));
        EngineGuard guard = new EngineGuard(engine, resilience, List.of());
        guard.startAccepting();
        model = new DmtdChatModel(guard, new Utf8PromptEncoder(), chat, ToolCallingManager.builder().build(),
                ObservationRegistry.NOOP, JsonMapper.shared(), null);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    @Test
    void chatClientEntityComesBackParsedThroughTheProviderPath() {
        for (long seed = 1; seed <= 4; seed++) {
            Reading reading = ChatClient.create(model).prompt().user("Reading?")
                    .options(DmtdChatOptions.builder().temperature(1.0).seed(seed))
                    .call().entity(Reading.class, spec -> spec.useProviderStructuredOutput());
            assertThat(reading).isNotNull();
            assertThat(reading.level()).isIn(Level.LOW, Level.HIGH);
        }
    }

    @Test
    void jsonObjectGivesAnObjectAndLengthWhenCut() {
        JsonMapper json = JsonMapper.shared();
        int complete = 0;
        for (long seed = 1; seed <= 6; seed++) {
            ChatResponse response = model.call(new Prompt("Any JSON", DmtdChatOptions.builder().temperature(1.0)
                    .seed(seed).maxTokens(60).responseFormat(ResponseFormat.jsonObject()).build()));
            String text = response.getResult().getOutput().getText();
            String finish = response.getResult().getMetadata().getFinishReason();
            if (finish.equals(DmtdChatModel.FINISH_STOP)) {
                JsonNode value = json.readTree(text);
                assertThat(value.isObject()).as(text).isTrue();
                complete++;
            } else {
                assertThat(finish).isEqualTo(DmtdChatModel.FINISH_LENGTH);
                assertThat(response.getMetadata().getUsage().getCompletionTokens()).isEqualTo(60);
            }
        }
        assertThat(complete).as("generations that completed their object").isPositive();
    }

    @Test
    void withoutAConstraintTheRandomModelWritesNoJson() {
        ChatResponse response = model.call(new Prompt("Any JSON", DmtdChatOptions.builder().temperature(1.0)
                .seed(3L).maxTokens(30).build()));
        String text = response.getResult().getOutput().getText();
        assertThat(text).doesNotStartWith("{");
    }
}
