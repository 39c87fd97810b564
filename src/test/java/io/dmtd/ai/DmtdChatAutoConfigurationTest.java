package io.dmtd.ai;

import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class DmtdChatAutoConfigurationTest {

    @Configuration(proxyBeanMethods = false)
    static class Doubles {
        @Bean
        ScriptedEngine engine() {
            return new ScriptedEngine();
        }

        @Bean
        Utf8PromptEncoder encoder() {
            return new Utf8PromptEncoder();
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(DmtdChatAutoConfiguration.class))
            .withUserConfiguration(Doubles.class);

    @Test
    void providesAChatModelByDefaultThatChatClientCanUse() {
        runner.withPropertyValues("spring.ai.dmtd.chat.options.max-tokens=12").run(context -> {
            ChatModel model = context.getBean(ChatModel.class);
            assertThat(model).isInstanceOf(DmtdChatModel.class);
            assertThat(((DmtdChatModel) model).getOptions().getMaxTokens()).isEqualTo(12);
            context.getBean(EngineGuard.class).startAccepting();
            assertThat(ChatClient.create(model).prompt("Hi").call().content()).isEqualTo("Hello from DMTD");
        });
    }

    @Test
    void activeWhenSelected() {
        runner.withPropertyValues("spring.ai.model.chat=dmtd")
                .run(context -> assertThat(context).hasSingleBean(DmtdChatModel.class));
    }

    @Test
    void inactiveWhenAnotherProviderIsSelected() {
        runner.withPropertyValues("spring.ai.model.chat=ollama")
                .run(context -> assertThat(context).doesNotHaveBean(ChatModel.class));
    }
}
