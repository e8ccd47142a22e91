package io.workerpool.internal.wire;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One log record emitted in a worker, as it crosses to the master.
 *
 * @param timestampMillis when the worker emitted it (epoch millis)
 * @param level SLF4J level as its {@code toInt()}: 0 TRACE, 10 DEBUG, 20 INFO, 30 WARN, 40 ERROR
 * @param message the formatted message (arguments already applied)
 * @param mdc the worker thread's MDC at the time
 * @param throwable the record's throwable, or null
 */
public record ForwardedLogRecord(long timestampMillis, int level, String loggerName, String threadName,
                                 String message, Map<String, String> mdc, ThrowableData throwable) {

    public ForwardedLogRecord {
        mdc = mdc == null || mdc.isEmpty() ? Map.of() : Map.copyOf(withoutNulls(mdc));
    }

    public void write(WireOutput out) {
        out.writeLong(timestampMillis);
        out.writeByte(level);
        out.writeString(loggerName);
        out.writeString(threadName);
        out.writeString(message);
        out.writeInt(mdc.size());
        if (!mdc.isEmpty()) { // most records have none: no iterator for them
            for (Map.Entry<String, String> e : mdc.entrySet()) {
                out.writeString(e.getKey());
                out.writeString(e.getValue());
            }
        }
        out.writeBoolean(throwable != null);
        if (throwable != null) {
            throwable.write(out);
        }
    }

    public static ForwardedLogRecord read(WireInput in) throws ProtocolException {
        long timestamp = in.readLong();
        int level = in.readByte();
        String loggerName = in.readString();
        String threadName = in.readString();
        String message = in.readString();
        int entries = in.readCount();
        Map<String, String> mdc = Map.of(); // most records have none: no map per record for them
        if (entries > 0) {
            mdc = new LinkedHashMap<>();
            for (int i = 0; i < entries; i++) {
                mdc.put(in.readString(), in.readString());
            }
        }
        ThrowableData throwable = in.readBoolean() ? ThrowableData.read(in) : null;
        return new ForwardedLogRecord(timestamp, level, loggerName == null ? "ROOT" : loggerName, threadName,
                message, mdc, throwable);
    }

    private static Map<String, String> withoutNulls(Map<String, String> mdc) {
        // Map.copyOf rejects nulls; copying twice only when there are some keeps the common case cheap.
        boolean hasNull = false;
        for (Map.Entry<String, String> e : mdc.entrySet()) {
            if (e.getKey() == null || e.getValue() == null) {
                hasNull = true;
                break;
            }
        }
        if (!hasNull) {
            return mdc;
        }
        Map<String, String> copy = new LinkedHashMap<>();
        mdc.forEach((k, v) -> {
            if (k != null && v != null) {
                copy.put(k, v);
            }
        });
        return copy;
    }
}
