package io.workerpool.internal.worker.logging;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ThrowableData;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts a log record down so that it fits in one worker-channel frame ({@link Message#MAX_FRAME_BYTES}),
 * for the rare record that doesn't: a multi-megabyte message, or a long cause chain of deep stacks.
 * What is cut is said in the record itself, so that nobody mistakes a shortened stack for the real one.
 *
 * <p>The limits keep the encoded record well under 1 MiB for realistic names (under 600 KiB with
 * frames of 250 bytes); a record with absurdly long class or method names can still fail, and is then
 * dropped and counted.
 */
final class RecordTruncation {
    static final int MAX_MESSAGE_CHARS = 64 * 1024;
    static final int MAX_NAME_CHARS = 1024;
    static final int MAX_MDC_ENTRIES = 32;
    static final int MAX_MDC_KEY_CHARS = 128;
    static final int MAX_MDC_VALUE_CHARS = 512;
    static final int MAX_THROWABLES = 16;
    static final int MAX_FRAMES_PER_THROWABLE = 64;
    static final int MAX_THROWABLE_MESSAGE_CHARS = 4096;

    private RecordTruncation() {
    }

    static ForwardedLogRecord truncate(ForwardedLogRecord record) {
        return new ForwardedLogRecord(record.timestampMillis(), record.level(),
                cut(record.loggerName(), MAX_NAME_CHARS), cut(record.threadName(), MAX_NAME_CHARS),
                cut(record.message(), MAX_MESSAGE_CHARS), truncate(record.mdc()),
                record.throwable() == null ? null : truncate(record.throwable(), new int[] {MAX_THROWABLES}));
    }

    private static Map<String, String> truncate(Map<String, String> mdc) {
        Map<String, String> kept = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : mdc.entrySet()) {
            if (kept.size() == MAX_MDC_ENTRIES) {
                break;
            }
            kept.put(cut(e.getKey(), MAX_MDC_KEY_CHARS), cut(e.getValue(), MAX_MDC_VALUE_CHARS));
        }
        return kept;
    }

    /** Depth first along the cause chain, which matters most, then suppressed, until the budget is spent. */
    private static ThrowableData truncate(ThrowableData data, int[] budget) {
        budget[0]--;
        List<StackTraceElement> stack = data.stack();
        String message = cut(data.message(), MAX_THROWABLE_MESSAGE_CHARS);
        if (stack.size() > MAX_FRAMES_PER_THROWABLE) {
            message = (message == null ? "" : message + " ") + "[stack cut to the top " + MAX_FRAMES_PER_THROWABLE
                    + " of " + stack.size() + " frames to fit the worker channel]";
            stack = stack.subList(0, MAX_FRAMES_PER_THROWABLE);
        }
        ThrowableData cause = data.cause() != null && budget[0] > 0 ? truncate(data.cause(), budget) : null;
        List<ThrowableData> suppressed = new ArrayList<>();
        for (ThrowableData s : data.suppressed()) {
            if (budget[0] <= 0) {
                break;
            }
            suppressed.add(truncate(s, budget));
        }
        return new ThrowableData(cut(data.className(), MAX_NAME_CHARS), message, stack, cause, suppressed);
    }

    private static String cut(String s, int maxChars) {
        if (s == null || s.length() <= maxChars) {
            return s;
        }
        int keep = Character.isHighSurrogate(s.charAt(maxChars - 1)) ? maxChars - 1 : maxChars;
        return s.substring(0, keep) + "... [" + (s.length() - keep) + " more characters cut to fit the worker "
                + "channel]";
    }
}
