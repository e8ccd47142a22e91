package io.workerpool.internal.posix;

import java.io.IOException;

/**
 * A C library call failed. The message names the call or what we were doing, the errno and, where there is
 * one, the likely cause: "setsid failed: EPERM (Operation not permitted)".
 */
public final class PosixException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;

    PosixException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    PosixException(String message, int errno, Throwable cause) {
        super(message, cause);
        this.errno = errno;
    }

    /** "kill failed: ESRCH (No such process)". */
    static PosixException callFailed(String function, int errno) {
        return new PosixException(function + " failed: " + Errno.name(errno) + " (" + Errno.description(errno) + ")",
                errno);
    }

    /**
     * "cannot listen on 127.0.0.1:8080: Address already in use (EADDRINUSE); is another server on that port?":
     * what we were doing, the errno of the call that failed, and the likely cause (or null).
     */
    static PosixException whileDoing(String what, PosixException failedCall, String hint) {
        int errno = failedCall.errno();
        String message = what + ": " + Errno.description(errno) + " (" + Errno.name(errno) + ")"
                + (hint != null ? "; " + hint : "");
        return new PosixException(message, errno, failedCall);
    }

    /** The errno of the failed call, or 0 when the failure was not a C library error (e.g. a refusal by a peer). */
    public int errno() {
        return errno;
    }

    /** The symbolic name of {@link #errno()}, such as "ESRCH" or "EADDRINUSE"; "errno N" for rare values. */
    public String errnoName() {
        return Errno.name(errno);
    }
}
