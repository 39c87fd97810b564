package io.dmtd.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dmtd.text.ChatMessage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One evaluation question: the conversation up to the last assistant message, the expected reply (that message),
 * and its task family. Read from JSONL chat data: {@code {"messages": [...], "task": "..."}} per line.
 */
public record EvalExample(List<ChatMessage> prompt, String expected, String task) {

    public EvalExample {
        prompt = List.copyOf(prompt);
    }

    public static List<EvalExample> readJsonl(Path file, int limit) {
        ObjectMapper json = new ObjectMapper();
        List<EvalExample> out = new ArrayList<>();
        try {
            int lineNo = 0;
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                if (limit > 0 && out.size() >= limit) {
                    break;
                }
                out.add(parse(json.readTree(line), file + ":" + lineNo));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return out;
    }

    static EvalExample parse(JsonNode node, String where) {
        JsonNode messages = node.path("messages");
        if (!messages.isArray() || messages.isEmpty()) {
            throw new IllegalArgumentException(where + ": no messages");
        }
        JsonNode last = messages.get(messages.size() - 1);
        if (!"assistant".equals(last.path("role").asText())) {
            throw new IllegalArgumentException(where + ": the last message must be the assistant's expected reply");
        }
        List<ChatMessage> prompt = new ArrayList<>();
        for (int i = 0; i < messages.size() - 1; i++) {
            JsonNode m = messages.get(i);
            String content = m.path("content").asText("");
            prompt.add(switch (m.path("role").asText()) {
                case "system" -> ChatMessage.system(content);
                case "user" -> ChatMessage.user(content);
                case "assistant" -> ChatMessage.assistant(content);
                default -> throw new IllegalArgumentException(where + ": unsupported role " + m.path("role"));
            });
        }
        return new EvalExample(prompt, last.path("content").asText(""), node.path("task").asText("all"));
    }
}
