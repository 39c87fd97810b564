package io.dmtd.examples.chatclient;

import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.stereotype.Component;

import java.util.concurrent.atomic.AtomicInteger;

/** A tool the model may call. */
@Component
public class Calculator {

    private final AtomicInteger calls = new AtomicInteger();

    @Tool(description = "Adds two integers")
    public long add(@ToolParam(description = "the first number") long a,
                    @ToolParam(description = "the second number") long b) {
        calls.incrementAndGet();
        return a + b;
    }

    /** How many times a tool ran. */
    public int calls() {
        return calls.get();
    }
}
