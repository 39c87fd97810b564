package io.dmtd.examples.chatclient;

import io.dmtd.engine.DmtdEngine;
import io.dmtd.engine.EngineInfo;
import io.dmtd.engine.FinishReason;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.GenerationStats;
import io.dmtd.text.Tokenizer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import reactor.core.publisher.Flux;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code @Tool} round trip through the DMTD ChatModel and Spring AI's tool-calling advisor. The demo model
 * cannot take part: Qwen3's tools block alone is over 400 of its tokens and its context holds 256. So the engine's
 * output is SCRIPTED here (a tool call, then an answer quoting the tool's result); everything around it is real: the
 * model's chat template renders the tool's schema, the ChatModel parses the {@code <tool_call>} into a ToolCall,
 * the advisor runs {@link Calculator#add} and sends its result back in a {@code <tool_response>}.
 */
@SpringBootTest(properties = {"example.demo=false", "dmtd.warmup.enabled=false"})
@Import(ToolCallingTest.ScriptedEngineConfiguration.class)
class ToolCallingTest {

    @Autowired
    Assistant assistant;

    @Autowired
    Calculator calculator;

    @Autowired
    ScriptedToolEngine engine;

    @Test
    void theModelsToolCallRunsTheToolAndItsResultReachesTheModel() {
        String answer = assistant.askWithTools("What is 80 + 63?");

        assertThat(calculator.calls()).isEqualTo(1);
        assertThat(answer).isEqualTo("80 + 63 = 143");
        assertThat(engine.prompts).hasSize(2);
        assertThat(engine.prompts.getFirst()).contains("\"name\": \"add\"", "Adds two integers", "What is 80 + 63?");
        assertThat(engine.prompts.getLast()).contains("<tool_response>\n143\n</tool_response>");
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class ScriptedEngineConfiguration {
        @Bean
        ScriptedToolEngine scriptedToolEngine(Tokenizer tokenizer) {
            return new ScriptedToolEngine(tokenizer);
        }
    }

    /**
     * TEST DOUBLE of the engine: reads the prompt as the model would (decoded with the model's own tokenizer) and
     * answers a tool call, or, once the prompt holds a tool response, the sum it carries.
     */
    static final class ScriptedToolEngine implements DmtdEngine {

        private static final Pattern TOOL_RESPONSE = Pattern.compile("<tool_response>\\n(.*?)\\n</tool_response>");

        final List<String> prompts = new CopyOnWriteArrayList<>();
        private final Tokenizer tokenizer;

        ScriptedToolEngine(Tokenizer tokenizer) {
            this.tokenizer = tokenizer;
        }

        @Override
        public Flux<GenerationChunk> generate(GenerationRequest request) {
            String prompt = tokenizer.decode(request.promptTokens(), false);
            prompts.add(prompt);
            Matcher response = TOOL_RESPONSE.matcher(prompt);
            String output = response.find() ? "80 + 63 = " + response.group(1)
                    : "<tool_call>\n{\"name\": \"add\", \"arguments\": {\"a\": 80, \"b\": 63}}\n</tool_call>";
            int[] ids = tokenizer.encode(output);
            GenerationStats stats = new GenerationStats(request.promptTokens().length, ids.length, 1, ids.length, 0,
                    0, 0, 0, 0, 0, 0, 0, 0);
            return Flux.just(new GenerationChunk.Delta(ids, output), new GenerationChunk.Finished(FinishReason.STOP,
                    stats));
        }

        @Override
        public EngineInfo info() {
            return new EngineInfo("scripted", "cpu", 1, 4, 4096, 1, 1);
        }

        @Override
        public int inFlight() {
            return 0;
        }

        @Override
        public boolean healthy() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
