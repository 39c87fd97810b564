package io.dmtd.api;

import io.dmtd.ai.DmtdChatModel;
import io.dmtd.engine.GenerationStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import tools.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@code POST /v1/chat/completions} and {@code GET /v1/models}, through the Spring AI {@link DmtdChatModel}.
 * Nothing blocks: the body is joined reactively and the completion is the model's stream. A streamed
 * response is committed only with its first event, so refusals before it (429, 503, 504) keep their status;
 * later failures end the stream with an error event. Cancelling the response (a client that goes away)
 * cancels the generation.
 */
public final class ChatCompletionHandler {

    private static final Logger log = LoggerFactory.getLogger(ChatCompletionHandler.class);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final DmtdChatModel chatModel;
    private final ChatCompletionRequestReader reader;
    private final CompletionJson json;
    private final ApiErrors errors;
    private final ApiProperties properties;
    private final LoggingProperties logging;

    public ChatCompletionHandler(DmtdChatModel chatModel, ChatCompletionRequestReader reader, CompletionJson json,
                                 ApiErrors errors, ApiProperties properties, LoggingProperties logging) {
        this.logging = logging;
        this.chatModel = chatModel;
        this.reader = reader;
        this.json = json;
        this.errors = errors;
        this.properties = properties;
    }

    public Mono<ServerResponse> models(ServerRequest request) {
        return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                .bodyValue(json.mapper().writeValueAsBytes(json.models(chatModel.modelId(), 0)));
    }

    public Mono<ServerResponse> chatCompletions(ServerRequest request) {
        if (!declaresJsonOrNothing(request)) {
            return Mono.error(new ApiException(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "invalid_request_error",
                    "the request body must be JSON: send 'Content-Type: application/json'", null,
                    "unsupported_media_type", null));
        }
        // Reading a body is bounded in time as well as size; a response is never timed here, so streams are not cut.
        Flux<DataBuffer> body = request.bodyToFlux(DataBuffer.class)
                .timeout(properties.bodyReadTimeout())
                .doOnDiscard(DataBuffer.class, DataBufferUtils::release);
        return DataBufferUtils.join(body, (int) properties.maxBodySize().toBytes())
                .timeout(properties.bodyTimeout())
                .onErrorMap(TimeoutException.class, e -> new ApiException(HttpStatus.REQUEST_TIMEOUT,
                        "invalid_request_error", "the request body was not received in time", null,
                        "request_timeout", null))
                .map(buffer -> {
                    byte[] bytes = new byte[buffer.readableByteCount()];
                    buffer.read(bytes);
                    DataBufferUtils.release(buffer);
                    return bytes;
                })
                .switchIfEmpty(Mono.error(() -> ApiException.invalid(null, "the request body is empty")))
                .map(reader::read)
                .flatMap(completion -> completion.stream() ? stream(completion) : complete(completion));
    }

    private Mono<ServerResponse> complete(ChatCompletionRequest completion) {
        Prompt prompt = new Prompt(completion.messages(), completion.options());
        long created = Instant.now().getEpochSecond();
        String model = chatModel.modelId(); // the served model, whatever the request named, as OpenAI answers
        logPrompt(completion);
        return chatModel.stream(prompt)
                .collect(CompletionAccumulator::new, CompletionAccumulator::add)
                .flatMap(result -> {
                    String id = result.idOr("chatcmpl-" + UUID.randomUUID());
                    logCompletion(id, result.text(), result.stats());
                    return ServerResponse.ok().contentType(MediaType.APPLICATION_JSON)
                            .bodyValue(json.mapper().writeValueAsBytes(json.completion(id, created, model, result)));
                });
    }

    private Mono<ServerResponse> stream(ChatCompletionRequest completion) {
        Prompt prompt = new Prompt(completion.messages(), completion.options());
        String id = "chatcmpl-" + UUID.randomUUID();
        long created = Instant.now().getEpochSecond();
        String model = chatModel.modelId(); // the served model, whatever the request named, as OpenAI answers
        logPrompt(completion);
        return ServerResponse.ok()
                .contentType(MediaType.TEXT_EVENT_STREAM)
                .header(HttpHeaders.CACHE_CONTROL, "no-cache")
                .header("X-Accel-Buffering", "no")
                .build((exchange, context) -> {
                    DataBufferFactory buffers = exchange.getResponse().bufferFactory();
                    Flux<byte[]> events = events(prompt, id, created, model, completion.includeUsage());
                    return exchange.getResponse().writeAndFlushWith(events.map(bytes -> Mono.just(buffers.wrap(bytes))));
                });
    }

    private Flux<byte[]> events(Prompt prompt, String fallbackId, long created, String model, boolean includeUsage) {
        // the engine's request id, as the responses carry it: the stream's chunks and the engine's logs name one id
        AtomicReference<String> id = new AtomicReference<>(fallbackId);
        AtomicBoolean sentFirst = new AtomicBoolean();
        AtomicInteger toolCalls = new AtomicInteger();
        AtomicReference<GenerationStats> stats = new AtomicReference<>();
        StringBuilder completionText = logging.logPrompts() ? new StringBuilder() : null;
        Flux<byte[]> chunks = chatModel.stream(prompt).concatMap(response -> {
            GenerationStats finalStats = response.getMetadata().get(DmtdChatModel.STATISTICS);
            if (finalStats != null) {
                stats.set(finalStats);
            }
            String responseId = response.getMetadata().getId();
            if (responseId != null && !responseId.isEmpty()) {
                id.set(responseId);
            }
            boolean first = !sentFirst.get();
            ObjectNode chunk = json.chunk(id.get(), created, model, response, first, toolCalls.get());
            if (chunk == null) {
                return Flux.empty();
            }
            sentFirst.set(true);
            countToolCalls(response, toolCalls, completionText);
            return Flux.just(event(chunk));
        });
        Flux<byte[]> tail = Flux.defer(() -> {
            logCompletion(id.get(), completionText == null ? null : completionText.toString(), stats.get());
            return includeUsage && stats.get() != null
                    ? Flux.just(event(json.usageChunk(id.get(), created, model, stats.get())), DONE)
                    : Flux.just(DONE);
        });
        return chunks.concatWith(tail).onErrorResume(error -> {
            if (!sentFirst.get()) {
                return Flux.error(error); // not committed yet: answered with a proper status
            }
            ApiException api = errors.toApiException(error);
            log.warn("stream {} failed after its first event: {}", id.get(), api.getMessage());
            return Flux.just(sse(errors.body(api)), DONE);
        });
    }

    private static void countToolCalls(ChatResponse response, AtomicInteger toolCalls, StringBuilder text) {
        if (response.getResult() != null) {
            toolCalls.addAndGet(response.getResult().getOutput().getToolCalls().size());
            if (text != null && response.getResult().getOutput().getText() != null) {
                text.append(response.getResult().getOutput().getText());
            }
        }
    }

    private byte[] event(ObjectNode chunk) {
        return sse(json.mapper().writeValueAsBytes(chunk));
    }

    private static byte[] sse(byte[] data) {
        byte[] event = new byte[data.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
        System.arraycopy(data, 0, event, 6, data.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        return event;
    }

    /**
     * {@code application/json}, any {@code +json} type, or no Content-Type at all (then the body must still be
     * JSON; OpenAI's SDKs always send the header, hand-written clients sometimes do not).
     */
    private static boolean declaresJsonOrNothing(ServerRequest request) {
        String declared = request.headers().firstHeader(HttpHeaders.CONTENT_TYPE);
        if (declared == null) {
            return true;
        }
        try {
            MediaType type = MediaType.parseMediaType(declared);
            return "application".equals(type.getType())
                    && ("json".equals(type.getSubtype()) || type.getSubtype().endsWith("+json"));
        } catch (InvalidMediaTypeException e) {
            return false;
        }
    }



    private void logPrompt(ChatCompletionRequest completion) {
        if (logging.logPrompts()) {
            log.info("prompt: {}", completion.messages());
        }
    }

    private void logCompletion(String id, String text, GenerationStats stats) {
        if (stats != null) {
            log.debug("{}: {} prompt tokens, {} generated, tau {}", id, stats.promptTokens(), stats.generatedTokens(),
                    stats.tau());
        }
        if (logging.logPrompts() && text != null) {
            log.info("{} completion: {}", id, text);
        }
    }
}
