package io.workerpool.spring;

/** A {@code workerpool.*} setting that can't be used; its message names the property, its value and origin. */
final class InvalidPoolPropertyException extends RuntimeException {
    InvalidPoolPropertyException(String message) {
        super(message);
    }
}
