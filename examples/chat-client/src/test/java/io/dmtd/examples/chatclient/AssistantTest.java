package io.dmtd.examples.chatclient;

import io.dmtd.ai.DmtdChatModel;
import io.dmtd.engine.GenerationStats;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.MessageType;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.util.ClassUtils;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The example against the embedded demo model, as a user runs it: nothing scripted. */
@SpringBootTest(properties = "example.demo=false")
class AssistantTest {

    @Autowired
    Assistant assistant;

    @Autowired
    ChatMemory chatMemory;

    @Autowired
    ApplicationContext context;

    @Test
    void theDependencyProvidesTheDmtdChatModelAndLeavesTheServersLayersOut() {
        assertThat(context.getBean(ChatModel.class)).isInstanceOf(DmtdChatModel.class);
        // WebFlux and the actuator are optional dependencies: this application stays a plain one.
        assertThat(ClassUtils.isPresent("org.springframework.web.reactive.DispatcherHandler", null)).isFalse();
        assertThat(ClassUtils.isPresent("org.springframework.boot.actuate.info.InfoContributor", null)).isFalse();
    }

    @Test
    void aCallAnswersTheQuestion() {
        assertThat(assistant.ask("What is 80 + 63?")).isEqualTo("143");
    }

    @Test
    void aStreamGivesTheSameAnswerPieceByPiece() {
        var pieces = assistant.stream("Sort: 9 2 7 5").collectList().block(Duration.ofSeconds(30));
        assertThat(pieces).isNotEmpty();
        assertThat(String.join("", pieces)).isEqualTo(assistant.ask("Sort: 9 2 7 5"));
    }

    @Test
    void aRequestChoosesItsOwnTau() {
        ChatResponse response = assistant.askWithTau("Write 3847 in words.", 4);
        GenerationStats stats = response.getMetadata().get(DmtdChatModel.STATISTICS);
        assertThat(stats.tau()).isEqualTo(4);
        assertThat(stats.generatedTokens()).isPositive();
        // A cycle of 4 runs the trunk for its first token only.
        assertThat(stats.lateOnlySteps()).isPositive();
        // Longer cycles trade some accuracy for speed: at tau 4 the demo model may drop a word (tau 1 gets it whole).
        assertThat(response.getResult().getOutput().getText()).endsWith("forty-seven");
    }

    @Test
    void aConversationRemembersItsMessages() {
        String first = assistant.askInConversation("memory-test", "Which month comes after March?");
        String second = assistant.askInConversation("memory-test", "What is 2 + 2?");
        assertThat(first).isEqualTo("April");
        // The demo model was trained on single questions; what it makes of a conversation is its own affair.
        assertThat(second).isNotBlank();
        assertThat(chatMemory.get("memory-test")).extracting(Message::getMessageType)
                .containsExactly(MessageType.USER, MessageType.ASSISTANT, MessageType.USER, MessageType.ASSISTANT);
        assertThat(chatMemory.get("memory-test")).extracting(Message::getText)
                .containsExactly("Which month comes after March?", "April", "What is 2 + 2?", second);
        assertThat(chatMemory.get("other-conversation")).isEmpty();
    }
}
