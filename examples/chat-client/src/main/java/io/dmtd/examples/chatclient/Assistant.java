package io.dmtd.examples.chatclient;

import io.dmtd.ai.DmtdChatOptions;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.client.advisor.ToolCallingAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.stereotype.Service;
import reactor.core.publisher.Flux;

/** The ways an application talks to the DMTD chat model through Spring AI's {@link ChatClient}. */
@Service
public class Assistant {

    private final ChatClient chatClient;
    private final MessageChatMemoryAdvisor memory;
    private final Calculator calculator;

    /**
     * @param builder    from Spring AI's ChatClient auto-configuration, over the DMTD ChatModel
     * @param chatMemory Spring AI's default: the last 20 messages per conversation, in memory
     */
    public Assistant(ChatClient.Builder builder, ChatMemory chatMemory, Calculator calculator) {
        this.chatClient = builder.build();
        this.memory = MessageChatMemoryAdvisor.builder(chatMemory).build();
        this.calculator = calculator;
    }

    /** One blocking call. */
    public String ask(String question) {
        return chatClient.prompt().user(question).call().content();
    }

    /** The answer as it is generated. */
    public Flux<String> stream(String question) {
        return chatClient.prompt().user(question).stream().content();
    }

    /**
     * With a DMTD cycle length of its own: tau tokens per cycle, only the first of them through the trunk. The
     * response metadata {@code dmtd} holds the request's statistics (trunk runs, late-only steps, ...).
     */
    public ChatResponse askWithTau(String question, int tau) {
        return chatClient.prompt().user(question).options(DmtdChatOptions.builder().tau(tau)).call().chatResponse();
    }

    /** Part of a conversation: earlier messages with the same id go into the prompt. */
    public String askInConversation(String conversationId, String question) {
        return chatClient.prompt().user(question)
                .advisors(memory)
                .advisors(advisor -> advisor.param(ChatMemory.CONVERSATION_ID, conversationId))
                .call().content();
    }

    /**
     * With the {@link Calculator}'s tools: the model may answer with a tool call, which the tool-calling advisor
     * runs before it asks the model again with the result. (The embedded demo model's 256-token context cannot
     * hold a tool prompt; see the README.)
     */
    public String askWithTools(String question) {
        return chatClient.prompt().user(question)
                .tools(calculator)
                .advisors(ToolCallingAdvisor.builder().build())
                .call().content();
    }
}
