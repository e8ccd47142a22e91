package io.workerpool.internal.worker.logging;

/** Placeholder. */
public final class JulForwardingHandler {
    private JulForwardingHandler() {
    }

    public static void install() {
    }
}
