package io.workerpool.internal.wire;

/**
 * The worker-channel protocol between master and worker. Each message is one frame:
 * {@code [int length][byte type][payload]}, big-endian, where length counts type and payload.
 * No Java serialization: payloads are written field by field with {@link WireOutput}.
 */
public sealed interface Message {
    /** Largest frame either side accepts; a bigger one is a protocol error. */
    int MAX_FRAME_BYTES = 1 << 20;

    /** A level above ERROR: nothing is enabled. */
    int LEVEL_OFF = 50;

    byte type();

    default void writePayload(WireOutput out) {
    }

    // ---- worker to master ----

    /** First frame of a worker: who it is, proved by the secret from its environment. */
    record Hello(int workerId, long pid, String secret) implements Message {
        public static final byte TYPE = 1;

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            out.writeInt(workerId).writeLong(pid).writeString(secret);
        }
    }

    /**
     * The worker's onStart callbacks ran; main() is about to run. The worker is ready.
     *
     * @param sentNanos the worker's {@code System.nanoTime()} when it sent this (CLOCK_MONOTONIC, the same clock in
     *     every process of the machine), or {@link #NO_TIME}: the master counts the worker's uptime from it rather
     *     than from when a busy master got to read the frame, within what it knows (never before the JVM's spawn,
     *     never after the read)
     */
    record Started(long sentNanos) implements Message {
        public static final byte TYPE = 2;
        public static final long NO_TIME = Long.MIN_VALUE;

        /** Without a time (an empty payload, as older workers send). */
        public Started() {
            this(NO_TIME);
        }

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            if (sentNanos != NO_TIME) {
                out.writeLong(sentNanos);
            }
        }
    }

    /**
     * The worker is alive; sent from a library thread at least four times per worker timeout. From the second
     * heartbeat on it carries a {@link io.workerpool.internal.metrics.JvmSample} of the worker's JVM (fixed size,
     * versioned, length-tolerant: an empty payload, as older workers send, is a heartbeat without a sample).
     *
     * @param sample the worker JVM's health, or null
     */
    record Heartbeat(io.workerpool.internal.metrics.JvmSample sample) implements Message {
        public static final byte TYPE = 3;

        /** A heartbeat without a sample. */
        public Heartbeat() {
            this(null);
        }

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            if (sample != null) {
                sample.write(out);
            }
        }
    }

    /**
     * A batch of the application's meters (optional workerpool-micrometer module), sent every few seconds. The
     * core only carries the payload: the worker-side module encodes it straight into the frame buffer, the
     * master's workerpool-metrics module decodes it (format: {@code MeterFrames} there). At most
     * {@link #MAX_FRAME_BYTES} a frame; a large registry is sent as several frames.
     */
    record Meters(Payload payload) implements Message {
        public static final byte TYPE = 7;

        /** Writes the payload into the frame buffer, on the worker side. */
        @FunctionalInterface
        public interface Payload {
            void writeTo(WireOutput out);
        }

        /**
         * The payload as received, on the master's side: a view of the channel's receive buffer (not to be written),
         * valid only until the channel's next receive, so it is decoded at once on the reader thread.
         */
        public record Received(java.nio.ByteBuffer bytes) implements Payload {
            @Override public void writeTo(WireOutput out) {
                out.writeBytes(bytes.duplicate());
            }
        }

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            payload.writeTo(out);
        }
    }

    /** main() has ended; the onShutdown callbacks run next. */
    record Stopping() implements Message {
        public static final byte TYPE = 4;

        @Override public byte type() { return TYPE; }
    }

    /** A log record to re-emit in the master. */
    record Log(ForwardedLogRecord record) implements Message {
        public static final byte TYPE = 5;

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            record.write(out);
        }
    }

    /**
     * Several log records to re-emit in the master, in the order the worker logged them: one frame and one
     * write for up to a few KiB of records, instead of one per record. Empty batches are not sent.
     */
    record LogBatch(java.util.List<ForwardedLogRecord> records) implements Message {
        public static final byte TYPE = 15;

        public LogBatch {
            records = java.util.List.copyOf(records);
        }

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            out.writeInt(records.size());
            for (ForwardedLogRecord record : records) {
                record.write(out);
            }
        }

        static LogBatch read(WireInput in) throws ProtocolException {
            int count = in.readCount();
            ForwardedLogRecord[] records = new ForwardedLogRecord[count];
            for (int i = 0; i < count; i++) {
                records[i] = ForwardedLogRecord.read(in);
            }
            return new LogBatch(java.util.List.of(records)); // copied once; the constructor keeps it as is
        }
    }

    /** Which levels are enabled in the master for these logger names; answered by {@link LevelReply}. */
    record LevelQuery(java.util.List<String> loggerNames) implements Message {
        public static final byte TYPE = 6;

        public LevelQuery {
            loggerNames = java.util.List.copyOf(loggerNames);
        }

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            out.writeInt(loggerNames.size());
            for (String name : loggerNames) { // a loop, not a method reference: on every worker's boot path
                out.writeString(name);
            }
        }
    }

    // ---- master to worker ----

    /**
     * The master's answer to {@link Hello}: the worker is accepted.
     *
     * @param rootLevel the lowest SLF4J level enabled on the master's root logger (the worker's default
     *                  threshold until a {@link LevelReply} names a logger), or {@link #LEVEL_OFF}
     */
    record Welcome(int rootLevel) implements Message {
        public static final byte TYPE = 19;

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            out.writeInt(rootLevel);
        }
    }

    /** For each logger name, the lowest SLF4J level enabled in the master, or {@link #LEVEL_OFF}. */
    record LevelReply(java.util.Map<String, Integer> levels) implements Message {
        public static final byte TYPE = 22;

        public LevelReply {
            levels = java.util.Map.copyOf(levels);
        }

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            out.writeInt(levels.size());
            levels.forEach((name, level) -> out.writeString(name).writeInt(level));
        }
    }

    /** Stop gracefully: isRunning() turns false. */
    record Stop() implements Message {
        public static final byte TYPE = 20;

        @Override public byte type() { return TYPE; }
    }

    /** Reopen stdout / stderr at these paths (null: leave it), after the files were moved by log rotation. */
    record ReopenOutput(String stdout, String stderr) implements Message {
        public static final byte TYPE = 23;

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            out.writeString(stdout).writeString(stderr);
        }
    }

    /** To a hot spare: you are now worker {@code workerId}; create it with the factory and run it. */
    record Assign(int workerId) implements Message {
        public static final byte TYPE = 24;

        @Override public byte type() { return TYPE; }

        @Override public void writePayload(WireOutput out) {
            out.writeInt(workerId);
        }
    }

    /** Interrupt the main thread once, then stop gracefully. */
    record Interrupt() implements Message {
        public static final byte TYPE = 21;

        @Override public byte type() { return TYPE; }
    }

    static Message read(byte type, WireInput in) throws ProtocolException {
        Message message = switch (type) {
            case Hello.TYPE -> new Hello(in.readInt(), in.readLong(), in.readString());
            case Started.TYPE -> in.remaining() == 0 ? new Started() : new Started(in.readLong());
            case Heartbeat.TYPE -> new Heartbeat(io.workerpool.internal.metrics.JvmSample.read(in));
            case Meters.TYPE -> new Meters(new Meters.Received(in.readRest()));
            case Stopping.TYPE -> new Stopping();
            case Log.TYPE -> new Log(ForwardedLogRecord.read(in));
            case LogBatch.TYPE -> LogBatch.read(in);
            case LevelQuery.TYPE -> {
                int count = in.readCount();
                java.util.List<String> names = new java.util.ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    names.add(in.readString());
                }
                yield new LevelQuery(names);
            }
            case Welcome.TYPE -> new Welcome(in.readInt());
            case LevelReply.TYPE -> {
                int count = in.readCount();
                java.util.Map<String, Integer> levels = new java.util.HashMap<>();
                for (int i = 0; i < count; i++) {
                    levels.put(in.readString(), in.readInt());
                }
                yield new LevelReply(levels);
            }
            case ReopenOutput.TYPE -> new ReopenOutput(in.readString(), in.readString());
            case Assign.TYPE -> new Assign(in.readInt());
            case Stop.TYPE -> new Stop();
            case Interrupt.TYPE -> new Interrupt();
            default -> throw new ProtocolException("unknown message type " + type);
        };
        if (in.remaining() != 0) {
            throw new ProtocolException("message type " + type + " has " + in.remaining() + " trailing bytes");
        }
        return message;
    }
}
