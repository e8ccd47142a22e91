package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import java.io.IOException;
import java.util.List;

/** Placeholder. */
public interface LogSink {
    void send(ForwardedLogRecord record) throws IOException;

    void queryLevels(List<String> loggerNames) throws IOException;
}
