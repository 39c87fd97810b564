package io.dmtd.examples.chatclient;

import org.springframework.boot.CommandLineRunner;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;

/**
 * Asks the embedded DMTD demo model a few questions through Spring AI's ChatClient: {@code mvn spring-boot:run}.
 * The dmtd-server dependency alone provides the ChatModel (and ChatClient.Builder, ChatMemory) beans.
 */
@SpringBootApplication
public class ChatClientExampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(ChatClientExampleApplication.class, args);
    }

    @Bean
    @ConditionalOnBooleanProperty(name = "example.demo", matchIfMissing = true)
    CommandLineRunner demo(Assistant assistant) {
        return args -> {
            System.out.println("call:   " + assistant.ask("What is 80 + 63?"));
            System.out.print("stream: ");
            assistant.stream("Sort: 9 2 7 5").doOnNext(System.out::print).blockLast();
            System.out.println();
            System.out.println("tau 4:  " + assistant.askWithTau("Write 3847 in words.", 4).getResult().getOutput().getText());
            System.out.println("memory: " + assistant.askInConversation("demo", "Which month comes after March?")
                    + " / " + assistant.askInConversation("demo", "What is 2 + 2?"));
        };
    }
}
