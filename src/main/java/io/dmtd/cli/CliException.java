package io.dmtd.cli;

/** Bad command-line input; printed without a stack trace. */
public final class CliException extends RuntimeException {
    public CliException(String message) {
        super(message);
    }
}
