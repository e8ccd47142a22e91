package io.workerpool.internal.wire;

import java.io.IOException;

/** A peer sent a frame that breaks the worker-channel protocol: too large, unknown type, or malformed. */
public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
