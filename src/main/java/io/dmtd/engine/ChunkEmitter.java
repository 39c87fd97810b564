package io.dmtd.engine;

import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.FluxSink;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands the decode thread's chunks to the requests' sinks on a thread of its own. Handing a chunk to a sink wakes
 * the thread that delivers it downstream, a few microseconds each; for a batch of sequences that was a wake-up per
 * sequence per step on the decode thread's critical path. Here the decode thread only queues, and {@link #flush}
 * wakes this thread once per loop iteration. One FIFO queue and one thread keep each request's order.
 */
final class ChunkEmitter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ChunkEmitter.class);

    /** One call to make on a sink: next (chunk), complete, or error. */
    private record Signal(FluxSink<GenerationChunk> sink, @Nullable GenerationChunk chunk, @Nullable Throwable error) {
    }

    private final Queue<Signal> queue = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean closing;
    private boolean queuedSinceFlush;   // decode thread only

    ChunkEmitter() {
        this.thread = Thread.ofPlatform().name("dmtd-emit").daemon(true).unstarted(this::deliverUntilClosed);
        thread.start();
    }

    void next(FluxSink<GenerationChunk> sink, GenerationChunk chunk) {
        queue.add(new Signal(sink, chunk, null));
        queuedSinceFlush = true;
    }

    void complete(FluxSink<GenerationChunk> sink) {
        queue.add(new Signal(sink, null, null));
        queuedSinceFlush = true;
    }

    void error(FluxSink<GenerationChunk> sink, Throwable error) {
        queue.add(new Signal(sink, null, error));
        queuedSinceFlush = true;
    }

    /** Wakes the emitting thread if anything was queued since the last flush. Decode thread. */
    void flush() {
        if (queuedSinceFlush) {
            queuedSinceFlush = false;
            LockSupport.unpark(thread);
        }
    }

    private void deliverUntilClosed() {
        while (true) {
            for (Signal signal; (signal = queue.poll()) != null; ) {
                deliver(signal);
            }
            if (closing && queue.isEmpty()) {
                return;
            }
            LockSupport.park(this);  // an unpark since the last park makes this return at once: nothing is missed
        }
    }

    private static void deliver(Signal signal) {
        try {
            if (signal.chunk() != null) {
                signal.sink().next(signal.chunk());
            } else if (signal.error() != null) {
                signal.sink().error(signal.error());
            } else {
                signal.sink().complete();
            }
        } catch (RuntimeException e) {
            log.warn("delivering a chunk failed: {}", e.toString());
        }
    }

    /** Delivers what is queued, then stops the thread. Call after the decode thread has stopped. */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
