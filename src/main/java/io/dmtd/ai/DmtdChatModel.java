package io.dmtd.ai;

import io.dmtd.engine.EngineInfo;
import io.dmtd.engine.EngineOverloadedException;
import io.dmtd.engine.FinishReason;
import io.dmtd.engine.GenerationChunk;
import io.dmtd.engine.GenerationRequest;
import io.dmtd.engine.PromptTooLongException;
import io.dmtd.sampling.SamplingParams;
import io.dmtd.structured.Grammar;
import io.dmtd.structured.GrammarCache;
import io.dmtd.structured.SchemaCompiler;
import io.dmtd.structured.UnsupportedSchemaException;
import io.dmtd.text.PromptText;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.chat.model.MessageAggregator;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationConvention;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.chat.observation.DefaultChatModelObservationConvention;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.definition.ToolDefinition;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import tools.jackson.databind.json.JsonMapper;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Spring AI {@link ChatModel} over the DMTD engine. Renders the conversation with the
 * {@link ChatPromptEncoder}, runs it through the {@link EngineGuard}, and turns the engine's deltas into
 * {@link ChatResponse}s: answer text, Qwen3 reasoning (in the message properties under
 * {@value #REASONING_CONTENT}), tool calls, usage, finish reason and the DMTD statistics (response metadata
 * {@value #STATISTICS}). Tool execution is left to the caller (Spring AI 2's {@code ToolCallingAdvisor} in
 * {@code ChatClient}, or the HTTP client).
 *
 * <p>A {@link ToolChoice} that forces a call ({@code required}, or a named function) is enforced by writing
 * the opening of the template's tool call for the model ({@link AssistantOutputParser#forceToolCall}): the
 * prompt is continued with it before tokenizing, and the parser reads it as the model's own output. With
 * {@code required} and a single tool, the opening names that tool. A forced call leaves no room to reason:
 * the opening follows the template's generation prompt (after its empty think block when thinking is off),
 * and a reasoning block the template opened is closed empty first. The choice holds for every request it
 * is set on, including the follow-up rounds of a tool-calling loop.
 *
 * <p>Rendering and tokenizing a prompt costs time in proportion to its size, so {@link #stream} does it on a
 * small bounded pool ({@code tokenizer-threads}, {@code tokenizer-queue-capacity}), never on the subscriber's
 * (say a Netty event-loop) thread; a full pool refuses the request as overload. A prompt with more bytes than
 * the prompt-token limit can hold is refused before it is tokenized. {@link #call} is blocking by contract and
 * prepares on the caller's thread. {@link #close} stops the pool.
 */
public final class DmtdChatModel implements ChatModel, AutoCloseable {

    /** Provider name in the {@code gen_ai.client.operation} observation. */
    public static final String PROVIDER = "dmtd";
    /** AssistantMessage property: the reasoning so far (complete on the last chunk and in {@link #call}). */
    public static final String REASONING_CONTENT = "reasoningContent";
    /** AssistantMessage property on streamed chunks: the reasoning this chunk added. */
    public static final String REASONING_DELTA = "reasoningDelta";
    /** ChatResponseMetadata key holding the request's {@link io.dmtd.engine.GenerationStats}. */
    public static final String STATISTICS = "dmtd";
    public static final String FINISH_STOP = "stop";
    public static final String FINISH_LENGTH = "length";
    public static final String FINISH_CANCELLED = "cancelled";
    public static final String FINISH_TOOL_CALLS = "tool_calls";

    private static final Logger log = LoggerFactory.getLogger(DmtdChatModel.class);
    private static final int GRAMMAR_CACHE_SIZE = 64;
    private static final ChatModelObservationConvention DEFAULT_CONVENTION = new DefaultChatModelObservationConvention();

    private final EngineGuard guard;
    private final ChatPromptEncoder encoder;
    private final DmtdChatOptions defaultOptions;
    private final DmtdChatProperties properties;
    private final ToolCallingManager toolCallingManager;
    private final ObservationRegistry observationRegistry;
    private final JsonMapper json;
    private final ChatModelObservationConvention observationConvention;
    /** Grammars of the response formats requests ask for, compiled once per schema. */
    private final GrammarCache grammars;
    private final ThreadPoolExecutor promptPool;
    private final Scheduler promptScheduler;

    public DmtdChatModel(EngineGuard guard, ChatPromptEncoder encoder, DmtdChatProperties properties,
                         ToolCallingManager toolCallingManager, ObservationRegistry observationRegistry,
                         JsonMapper json, ChatModelObservationConvention observationConvention) {
        this.guard = guard;
        this.encoder = encoder;
        this.properties = properties;
        this.defaultOptions = properties.options().toChatOptions();
        this.toolCallingManager = toolCallingManager;
        this.observationRegistry = observationRegistry;
        this.json = json;
        this.observationConvention = observationConvention != null ? observationConvention : DEFAULT_CONVENTION;
        this.grammars = new GrammarCache(new SchemaCompiler(json), GRAMMAR_CACHE_SIZE);
        this.promptPool = promptPool(properties.tokenizerThreads(), properties.tokenizerQueueCapacity());
        this.promptScheduler = Schedulers.fromExecutorService(promptPool, "dmtd-prompt");
    }

    /** Fixed threads, a bounded queue, and a refusal (not a wait) when both are taken. */
    private static ThreadPoolExecutor promptPool(int threads, int queueCapacity) {
        if (threads < 1 || queueCapacity < 0) {
            throw new IllegalArgumentException(DmtdChatProperties.PREFIX + ".tokenizer-threads must be at least 1 and "
                    + DmtdChatProperties.PREFIX + ".tokenizer-queue-capacity at least 0, were " + threads + " and "
                    + queueCapacity);
        }
        AtomicInteger created = new AtomicInteger();
        ThreadFactory factory = task -> {
            Thread thread = new Thread(task, "dmtd-prompt-" + created.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
        return new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                queueCapacity == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queueCapacity), factory,
                new ThreadPoolExecutor.AbortPolicy());
    }

    @Override
    public void close() {
        promptScheduler.dispose();
        promptPool.shutdownNow();
    }

    @Override
    public DmtdChatOptions getOptions() {
        return defaultOptions;
    }

    /** The model id reported in responses: the configured one, else the engine's. */
    public String modelId() {
        return defaultOptions.getModel() != null ? defaultOptions.getModel() : guard.engine().info().modelId();
    }

    /**
     * Blocks until the generation finishes. Do not call on an event-loop thread (Reactor refuses to block
     * there); reactive callers use {@link #stream(Prompt)}.
     */
    @Override
    public ChatResponse call(Prompt prompt) {
        Prompt request = withMergedOptions(prompt);
        ChatModelObservationContext context = ChatModelObservationContext.builder()
                .prompt(request).provider(PROVIDER).build();
        return ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
                .observation(observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry)
                .observe(() -> {
                    AtomicReference<ChatResponse> aggregated = new AtomicReference<>();
                    AtomicReference<Object> stats = new AtomicReference<>();
                    Flux<ChatResponse> responses = generate(Mono.fromCallable(() -> prepare(request))).doOnNext(chunk -> {
                        Object chunkStats = chunk.getMetadata().get(STATISTICS);
                        if (chunkStats != null) {
                            stats.set(chunkStats);
                        }
                    });
                    new MessageAggregator().aggregate(responses, aggregated::set).blockLast();
                    ChatResponse response = Objects.requireNonNull(aggregated.get(), "generation produced nothing");
                    if (stats.get() != null) {
                        // The aggregator keeps only the standard metadata; the DMTD statistics are carried over.
                        response = ChatResponse.builder().from(response).metadata(STATISTICS, stats.get()).build();
                    }
                    context.setResponse(response);
                    return response;
                });
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        return Flux.deferContextual(contextView -> {
            Prompt request = withMergedOptions(prompt);
            ChatModelObservationContext context = ChatModelObservationContext.builder()
                    .prompt(request).provider(PROVIDER).streaming(true).build();
            Observation observation = ChatModelObservationDocumentation.CHAT_MODEL_OPERATION
                    .observation(observationConvention, DEFAULT_CONVENTION, () -> context, observationRegistry);
            observation.parentObservation(contextView.getOrDefault(ObservationThreadLocalAccessor.KEY, null)).start();
            // The aggregator hands the observation the final usage and finish reason; the observation stops
            // after that and before the subscriber sees the end (not in doFinally, which runs after it).
            return new MessageAggregator().aggregate(generate(preparedOffTheCallerThread(request)), context::setResponse)
                    .doOnComplete(observation::stop)
                    .doOnError(error -> {
                        observation.error(error);
                        observation.stop();
                    })
                    .doOnCancel(observation::stop)
                    .contextWrite(ctx -> ctx.put(ObservationThreadLocalAccessor.KEY, observation));
        });
    }

    private Prompt withMergedOptions(Prompt prompt) {
        return prompt.mutate().chatOptions(DmtdChatOptions.merge(defaultOptions, prompt.getOptions())).build();
    }

    /** {@link #prepare} on the prompt pool; a full pool is an overload (429), as a full engine queue is. */
    private Mono<Prepared> preparedOffTheCallerThread(Prompt prompt) {
        return Mono.fromCallable(() -> prepare(prompt))
                .subscribeOn(promptScheduler)
                .onErrorMap(RejectedExecutionException.class, e -> {
                    guard.refused(FailureKind.OVERLOADED);
                    return new EngineOverloadedException("every prompt tokenizer is busy (" + promptPool.getMaximumPoolSize()
                            + " threads, " + promptPool.getQueue().size() + " prompts waiting)", e);
                });
    }

    private Flux<ChatResponse> generate(Mono<Prepared> preparation) {
        return preparation.flatMapMany(prepared -> {
            GenerationRequest request = prepared.request();
            AssistantOutputParser parser = prepared.parser();
            StringBuilder reasoningSoFar = new StringBuilder();
            return guard.generate(request).concatMap(chunk -> switch (chunk) {
                case GenerationChunk.Delta delta -> {
                    AssistantOutputParser.Parsed parsed = parser.feed(delta.text());
                    yield parsed.isEmpty() ? Flux.<ChatResponse>empty()
                            : Flux.just(response(request.requestId(), prepared.modelId(), parsed, reasoningSoFar, null,
                            false));
                }
                case GenerationChunk.Finished finished -> {
                    AssistantOutputParser.Parsed tail = parser.finish();
                    yield Flux.just(response(request.requestId(), prepared.modelId(), tail, reasoningSoFar, finished,
                            parser.toolCallCount() > 0));
                }
            });
        });
    }

    /** A request ready for the engine, with the parser of its output. */
    private record Prepared(GenerationRequest request, AssistantOutputParser parser, String modelId) {
    }

    /**
     * Renders, tokenizes and checks the prompt against the limits. A refusal here never reaches the engine guard,
     * so it is reported to it ({@link EngineGuard#refused}) to be counted with the others.
     */
    private Prepared prepare(Prompt prompt) {
        try {
            DmtdChatOptions options = (DmtdChatOptions) prompt.getOptions();
            ToolChoice choice = options.getToolChoice() != null ? options.getToolChoice() : ToolChoice.AUTO;
            List<ToolDefinition> tools = choice.mode() == ToolChoice.Mode.NONE ? List.of()
                    : toolCallingManager.resolveToolDefinitions(options);
            PromptText rendered = encoder.render(prompt.getInstructions(), tools, options.getEnableThinking());
            AssistantOutputParser parser = AssistantOutputParser.continuing(rendered.text(), json,
                    () -> "call_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24));
            Grammar grammar = grammar(options.getResponseFormat());
            if (choice.forcesCall()) {
                rendered = rendered.append(parser.forceToolCall(forcedFunction(choice, tools)));
            } else if (grammar != null) {
                rendered = rendered.append(parser.answerOnly());
            }
            EngineInfo info = guard.engine().info();
            int promptLimit = promptLimit(info);
            long bytes = rendered.utf8Length();
            if (bytes > encoder.maxPromptBytes(promptLimit)) {
                throw new PromptTooLongException("the prompt has " + bytes + " bytes" + withTools(tools)
                        + ", more than " + promptLimit + " tokens can hold; this server accepts at most "
                        + promptLimit + " prompt tokens" + contextOf(tools, info));
            }
            int[] promptTokens = encoder.tokenize(rendered);
            GenerationRequest request = toEngineRequest(promptTokens, tools, options, info,
                    choice.forcesCall() ? null : grammar);
            log.debug("request {}: {} prompt tokens, max {} new, tau {}", request.requestId(), promptTokens.length,
                    request.maxNewTokens(), request.tau());
            return new Prepared(request, parser, options.getModel() != null ? options.getModel() : info.modelId());
        } catch (PromptTooLongException e) {
            guard.refused(FailureKind.PROMPT_TOO_LONG);
            throw e;
        } catch (IllegalArgumentException e) {
            guard.refused(FailureKind.INVALID_REQUEST);
            throw e;
        }
    }

    /** The grammar decoding enforces for the response format; null for free text. */
    private @Nullable Grammar grammar(@Nullable ResponseFormat format) {
        if (format == null) {
            return null;
        }
        try {
            return format.type() == ResponseFormat.Type.JSON_OBJECT ? grammars.jsonObject()
                    : grammars.schema(format.schema());
        } catch (UnsupportedSchemaException e) {
            // named as the HTTP field: ChatOptions has no single name for it (outputSchema or responseFormat)
            throw new InvalidChatRequestException("response_format", e.getMessage());
        }
    }

    /**
     * The function a forced tool call must name, or null when the model picks: the named one, or the only
     * tool when {@code required} leaves one to pick from.
     */
    private static @Nullable String forcedFunction(ToolChoice choice, List<ToolDefinition> tools) {
        if (tools.isEmpty()) {
            throw new InvalidChatRequestException("toolChoice", "toolChoice " + choice + " needs tools");
        }
        if (choice.mode() == ToolChoice.Mode.REQUIRED) {
            return tools.size() == 1 ? writable(tools.getFirst().name()) : null;
        }
        if (tools.stream().noneMatch(t -> t.name().equals(choice.function()))) {
            throw new InvalidChatRequestException("toolChoice", "toolChoice names '" + choice.function()
                    + "', which is not one of the tools");
        }
        return writable(choice.function());
    }

    /** A name the forced opening can carry: one holding a template tag would end the call it opens. */
    private static String writable(String function) {
        if (function.contains("<") || function.contains(">")) {
            throw new InvalidChatRequestException("toolChoice", "tool name '" + function
                    + "' holds '<' or '>', which a forced tool call cannot write");
        }
        return function;
    }

    private int promptLimit(EngineInfo info) {
        return properties.maxPromptTokens() > 0 ? Math.min(properties.maxPromptTokens(), info.maxContext() - 1)
                : info.maxContext() - 1;
    }

    /** Tools put their instructions in the prompt: a refusal says so, as a small context may not hold one tool. */
    private static String withTools(List<ToolDefinition> tools) {
        return tools.isEmpty() ? "" : " with the instructions for its " + tools.size()
                + (tools.size() == 1 ? " tool" : " tools");
    }

    private static String contextOf(List<ToolDefinition> tools, EngineInfo info) {
        return tools.isEmpty() ? "" : " (the model's context holds " + info.maxContext() + " tokens)";
    }

    private GenerationRequest toEngineRequest(int[] promptTokens, List<ToolDefinition> tools, DmtdChatOptions options,
                                              EngineInfo info, @Nullable Grammar grammar) {
        int promptLimit = promptLimit(info);
        if (promptTokens.length > promptLimit) {
            throw new PromptTooLongException("the prompt has " + promptTokens.length + " tokens" + withTools(tools)
                    + "; this server accepts at most " + promptLimit + contextOf(tools, info));
        }
        Integer maxTokens = options.getMaxTokens();
        if (maxTokens != null && (maxTokens < 1 || maxTokens > properties.maxCompletionTokens())) {
            throw new InvalidChatRequestException("maxTokens",
                    "maxTokens must be between 1 and " + properties.maxCompletionTokens() + ", was " + maxTokens);
        }
        int room = info.maxContext() - promptTokens.length;
        int maxNewTokens = Math.min(maxTokens != null ? maxTokens : properties.maxCompletionTokens(), room);
        Integer tau = options.getTau();
        if (tau != null && (tau < 0 || tau > info.tauMax())) {
            throw new InvalidChatRequestException("tau", "tau must be between 0 (model default) and "
                    + info.tauMax() + ", was " + tau);
        }
        SamplingParams sampling;
        try {
            sampling = new SamplingParams(
                    orDefault(options.getTemperature(), 1.0),
                    orDefault(options.getTopK(), 0),
                    orDefault(options.getTopP(), 1.0),
                    orDefault(options.getMinP(), 0.0),
                    orDefault(options.getRepetitionPenalty(), 1.0),
                    orDefault(options.getFrequencyPenalty(), 0.0),
                    orDefault(options.getPresencePenalty(), 0.0),
                    options.getSeed());
        } catch (IllegalArgumentException e) {
            // SamplingParams messages start with the option's name.
            String field = e.getMessage() == null ? "options" : e.getMessage().split(" ", 2)[0];
            throw new InvalidChatRequestException(field, e.getMessage());
        }
        return new GenerationRequest("chatcmpl-" + UUID.randomUUID(), promptTokens, maxNewTokens,
                tau == null ? 0 : tau, sampling, null, options.getStopSequences(), false, grammar);
    }

    private static <T> T orDefault(T value, T fallback) {
        return value != null ? value : fallback;
    }

    private static ChatResponse response(String id, String modelId, AssistantOutputParser.Parsed parsed,
                                         StringBuilder reasoningSoFar, GenerationChunk.Finished finished,
                                         boolean madeToolCalls) {
        reasoningSoFar.append(parsed.reasoning());
        Map<String, Object> properties = new HashMap<>();
        properties.put("id", id);
        if (!parsed.reasoning().isEmpty()) {
            properties.put(REASONING_DELTA, parsed.reasoning());
        }
        if (!reasoningSoFar.isEmpty()) {
            properties.put(REASONING_CONTENT, reasoningSoFar.toString());
        }
        AssistantMessage message = AssistantMessage.builder()
                .content(parsed.answer())
                .properties(properties)
                .toolCalls(parsed.toolCalls())
                .build();
        ChatResponseMetadata.Builder metadata = ChatResponseMetadata.builder().id(id).model(modelId);
        ChatGenerationMetadata generationMetadata = ChatGenerationMetadata.NULL;
        if (finished != null) {
            var stats = finished.stats();
            metadata.usage(new DefaultUsage(stats.promptTokens(), stats.generatedTokens()))
                    .keyValue(STATISTICS, stats);
            generationMetadata = ChatGenerationMetadata.builder()
                    .finishReason(madeToolCalls && finished.reason() == FinishReason.STOP ? FINISH_TOOL_CALLS
                            : finishReason(finished.reason()))
                    .build();
        }
        return new ChatResponse(List.of(new Generation(message, generationMetadata)), metadata.build());
    }

    private static String finishReason(FinishReason reason) {
        return switch (reason) {
            case STOP -> FINISH_STOP;
            case LENGTH -> FINISH_LENGTH;
            case CANCELLED -> FINISH_CANCELLED;
        };
    }
}
