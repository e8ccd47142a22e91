package io.workerpool.bench;

/** A benchmark that could not be carried out; the message says what and where to look. */
final class BenchException extends RuntimeException {
    BenchException(String message) {
        super(message);
    }

    BenchException(String message, Throwable cause) {
        super(message, cause);
    }
}
