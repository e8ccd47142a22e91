package io.workerpool.internal.worker.logging;

import java.util.Map;

/** Placeholder. */
public final class LogForwarding {
    private LogForwarding() {
    }

    public static void connect(LogSink sink, int rootLevel) {
    }

    public static void applyLevels(Map<String, Integer> levels) {
    }
}
