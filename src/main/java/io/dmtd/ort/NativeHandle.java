package io.dmtd.ort;

import java.lang.foreign.MemorySegment;

/**
 * One native handle with exactly one owner: released once by {@link #close()} (idempotent), and refused with an
 * {@link IllegalStateException} once closed or once its runtime is closed. Not thread-safe: a handle is used by one
 * thread at a time (the engine thread), which may differ from the thread that created it.
 */
abstract sealed class NativeHandle implements AutoCloseable
        permits SessionOptions, OrtSession, OrtTensor, IoBinding {

    final OrtRuntime runtime;
    private final MemorySegment handle;
    private boolean closed;

    NativeHandle(OrtRuntime runtime, MemorySegment handle) {
        this.runtime = runtime;
        this.handle = handle;
    }

    /** The native pointer, after checking that neither this handle nor its runtime is closed. */
    final MemorySegment handle() {
        if (closed) {
            throw new IllegalStateException(getClass().getSimpleName() + " is closed");
        }
        runtime.requireOpen();
        return handle;
    }

    public final boolean isClosed() {
        return closed;
    }

    @Override
    public final void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (!runtime.isClosed()) { // the library is gone once the runtime closed; nothing left to release
            release(handle);
        }
    }

    /** Releases the native handle and whatever else this object owns. Called at most once. */
    abstract void release(MemorySegment handle);
}
