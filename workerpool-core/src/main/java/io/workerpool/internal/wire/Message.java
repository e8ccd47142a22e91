package io.workerpool.internal.wire;

/**
 * The control protocol between master and worker. Each message is one frame:
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

    /** The worker's onStart callbacks ran; main() is about to run. The worker is ready. */
    record Started() implements Message {
        public static final byte TYPE = 2;

        @Override public byte type() { return TYPE; }
    }

    /** The worker is alive; sent from a library thread at least four times per worker timeout. */
    record Heartbeat() implements Message {
        public static final byte TYPE = 3;

        @Override public byte type() { return TYPE; }
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
            loggerNames.forEach(out::writeString);
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
            case Started.TYPE -> new Started();
            case Heartbeat.TYPE -> new Heartbeat();
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
