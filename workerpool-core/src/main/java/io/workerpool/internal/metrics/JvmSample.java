package io.workerpool.internal.metrics;

import io.workerpool.internal.wire.ProtocolException;
import io.workerpool.internal.wire.WireInput;
import io.workerpool.internal.wire.WireOutput;

/**
 * A worker JVM's health, as its heartbeat carries it: fixed-size, a few longs. Every figure is -1 when the
 * worker could not read it (no /proc, a JVM without that bean).
 *
 * <p>Wire format, inside a {@code Heartbeat} frame: {@code [byte version=1][byte count][count x long]}, the longs
 * in the order of this record's components. A reader takes the fields it knows and skips the rest, and a
 * missing field reads as -1, so either side can add fields; an empty heartbeat (an older worker) has no sample.
 *
 * @param heapUsedBytes heap in use
 * @param heapCommittedBytes heap committed
 * @param gcCount collections since the JVM started, all collectors
 * @param gcMillis time spent in collections since the JVM started, all collectors
 * @param threads live threads
 * @param cpuNanos CPU time of the process (user + system, all threads)
 * @param rssBytes resident set size (VmRSS)
 * @param pssBytes proportional set size from /proc/self/smaps_rollup: shared pages divided among their sharers
 * @param uptimeMillis time since the JVM started, which the GC share is measured against
 */
public record JvmSample(long heapUsedBytes, long heapCommittedBytes, long gcCount, long gcMillis, long threads,
        long cpuNanos, long rssBytes, long pssBytes, long uptimeMillis) {
    private static final byte VERSION = 1;
    private static final int FIELDS = 9;

    /** Writes {@code [version][count][longs]}. */
    public void write(WireOutput out) {
        out.writeByte(VERSION).writeByte(FIELDS);
        out.writeLong(heapUsedBytes).writeLong(heapCommittedBytes).writeLong(gcCount).writeLong(gcMillis)
                .writeLong(threads).writeLong(cpuNanos).writeLong(rssBytes).writeLong(pssBytes).writeLong(uptimeMillis);
    }

    /** Reads a sample, or null when the heartbeat carries none (an older worker); consumes the whole payload. */
    public static JvmSample read(WireInput in) throws ProtocolException {
        if (in.remaining() == 0) {
            return null;
        }
        in.readByte(); // version: later versions only append fields
        int count = in.readByte() & 0xff;
        long[] v = new long[FIELDS];
        java.util.Arrays.fill(v, -1);
        for (int i = 0; i < count; i++) {
            long value = in.readLong();
            if (i < FIELDS) {
                v[i] = value;
            }
        }
        return new JvmSample(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
    }

    /** The share of its life the JVM spent in GC, in [0, 1], or -1 when unknown. */
    public double gcShare() {
        return gcMillis < 0 || uptimeMillis <= 0 ? -1 : Math.min(1, (double) gcMillis / uptimeMillis);
    }

    /**
     * The share of time spent in GC between an earlier sample of the same JVM and this one, or the share since
     * start when there is no usable earlier sample.
     */
    public double gcShareSince(JvmSample earlier) {
        if (earlier == null || earlier.gcMillis < 0 || gcMillis < 0 || uptimeMillis <= earlier.uptimeMillis) {
            return gcShare();
        }
        return Math.max(0, Math.min(1, (double) (gcMillis - earlier.gcMillis) / (uptimeMillis - earlier.uptimeMillis)));
    }
}
