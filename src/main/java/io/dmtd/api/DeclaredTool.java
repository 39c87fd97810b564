package io.dmtd.api;

import org.springframework.ai.tool.ToolCallback;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * A tool an HTTP client declared: the model may call it, the client executes it. It only carries the
 * definition; the server never runs it.
 */
record DeclaredTool(ToolDefinition definition) implements ToolCallback {

    @Override
    public ToolDefinition getToolDefinition() {
        return definition;
    }

    @Override
    public String call(String toolInput) {
        throw new UnsupportedOperationException("tool '" + definition.name() + "' is executed by the API client");
    }
}
