package io.dmtd.ai;

import org.jspecify.annotations.Nullable;

import java.util.Locale;
import java.util.Objects;

/**
 * Whether the model may, must or must not call a tool: OpenAI's {@code tool_choice}. Spring AI 2.0 has no
 * portable tool choice (only the OpenAI module's own {@code Object toolChoice}), so this is a DMTD option
 * ({@link DmtdChatOptions#getToolChoice()}).
 *
 * <ul>
 *   <li>{@link #AUTO}: the model decides (the default).</li>
 *   <li>{@link #NONE}: the tools are not shown to the model.</li>
 *   <li>{@link #REQUIRED}: the answer starts with a tool call; the model picks the function (or the only one).</li>
 *   <li>{@link #function(String)}: the answer starts with a call to that function.</li>
 * </ul>
 *
 * @param mode     which of the four
 * @param function the function's name, only with {@link Mode#FUNCTION}
 */
public record ToolChoice(Mode mode, @Nullable String function) {

    public enum Mode { AUTO, NONE, REQUIRED, FUNCTION }

    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
    public static final ToolChoice REQUIRED = new ToolChoice(Mode.REQUIRED, null);

    public ToolChoice {
        Objects.requireNonNull(mode, "mode");
        if ((mode == Mode.FUNCTION) != (function != null)) {
            throw new IllegalArgumentException("a function name goes with Mode.FUNCTION, and only with it");
        }
        if (function != null && function.isBlank()) {
            throw new IllegalArgumentException("the function name must not be blank");
        }
    }

    /** The model must call {@code name}. */
    public static ToolChoice function(String name) {
        return new ToolChoice(Mode.FUNCTION, name);
    }

    /** Whether the answer must start with a tool call. */
    public boolean forcesCall() {
        return mode == Mode.REQUIRED || mode == Mode.FUNCTION;
    }

    @Override
    public String toString() {
        return mode == Mode.FUNCTION ? "function(" + function + ")" : mode.name().toLowerCase(Locale.ROOT);
    }
}
