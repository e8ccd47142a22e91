package io.workerpool.cli;

/**
 * A failure the command reports as one line on stderr, without a stack trace: the message says what was
 * wrong and what is allowed. {@link #USAGE} (2) for a bad flag or value, {@link #FAILURE} (1) when the
 * request was fine but could not be carried out.
 */
final class CliException extends RuntimeException {
    static final int FAILURE = 1;
    static final int USAGE = 2;
    private static final long serialVersionUID = 1L;

    private final int exitStatus;

    private CliException(int exitStatus, String message) {
        super(message, null, false, false);
        this.exitStatus = exitStatus;
    }

    /** A bad flag, value or worker class: exit status 2. */
    static CliException usage(String message) {
        return new CliException(USAGE, message);
    }

    /** A sound request that failed (no pool running, the pool refused, the pool could not start): exit status 1. */
    static CliException failure(String message) {
        return new CliException(FAILURE, message);
    }

    int exitStatus() {
        return exitStatus;
    }
}
