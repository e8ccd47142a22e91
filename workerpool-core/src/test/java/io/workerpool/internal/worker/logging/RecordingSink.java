package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A {@link LogSink} that keeps what it is given, and can be told to fail. */
final class RecordingSink implements LogSink {
    final List<ForwardedLogRecord> records = new CopyOnWriteArrayList<>();
    final List<List<String>> queries = new CopyOnWriteArrayList<>();
    volatile Predicate<ForwardedLogRecord> failWhen = r -> false;
    volatile IOException failure = new IOException("master gone");
    volatile boolean failQueries;

    @Override
    public void send(ForwardedLogRecord record) throws IOException {
        if (failWhen.test(record)) {
            throw failure;
        }
        records.add(record);
    }

    @Override
    public void queryLevels(List<String> loggerNames) throws IOException {
        if (failQueries) {
            throw new IOException("master gone");
        }
        queries.add(List.copyOf(loggerNames));
    }

    List<String> messages() {
        return records.stream().map(ForwardedLogRecord::message).toList();
    }

    List<String> queriedNames() {
        return queries.stream().flatMap(List::stream).toList();
    }
}
