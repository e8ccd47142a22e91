package io.workerpool.internal.metrics;

import io.workerpool.WorkerStatus;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the workers tell the master about themselves besides their lifecycle: the latest {@link JvmSample} of
 * each worker JVM (from its heartbeats) and, with the workerpool-metrics module, the application's meters. Fed
 * by the worker channels' reader threads, read by status requests and scrapes: thread-safe. Keyed by the JVM's
 * generation (one per JVM the master started); an entry lives while the JVM's worker channel is open, so there
 * are never more entries than worker JVMs.
 *
 * <p>The pool calls {@link #heartbeat}, {@link #meters} and {@link #disconnected} from the channel readers, and
 * {@link #withSamples} when it builds a status. Nothing here changes pool state.
 */
public final class WorkerTelemetry {
    /** The receiving end of the application meters: the workerpool-metrics module's store. */
    public interface MeterStore {
        /**
         * One {@code Meters} frame of a worker JVM, on that JVM's channel reader thread. {@code payload} is
         * valid only during the call. Must not throw for a malformed payload: it drops what it can't read.
         */
        void received(int workerId, long generation, ByteBuffer payload);

        /** The JVM's channel closed (it exited or is about to): fold its counters into the pool-wide totals. */
        void exited(long generation);
    }

    /**
     * The latest sample of one live JVM.
     *
     * @param previous the sample before it, or null: the GC share is measured between the two
     */
    public record Reading(int workerId, long generation, long pid, JvmSample sample, JvmSample previous) {
        /** The share of time in GC between the two latest samples (since start with one), or -1. */
        public double gcShare() {
            return sample.gcShareSince(previous);
        }
    }

    private final ConcurrentHashMap<Long, Reading> readings = new ConcurrentHashMap<>();
    private volatile MeterStore meterStore;

    /** Where {@link #meters} frames go; without one (no workerpool-metrics module) they are dropped. */
    public void meterStore(MeterStore store) {
        this.meterStore = store;
    }

    /** A heartbeat arrived; {@code sample} null (first heartbeat, older worker) keeps the previous one. */
    public void heartbeat(int workerId, long generation, long pid, JvmSample sample) {
        if (sample == null) {
            return;
        }
        readings.compute(generation, (g, old) -> new Reading(workerId, generation, pid, sample,
                old == null ? null : old.sample()));
    }

    /** A {@code Meters} frame arrived; {@code payload} is valid only during this call. */
    public void meters(int workerId, long generation, ByteBuffer payload) {
        MeterStore store = meterStore;
        if (store != null) {
            store.received(workerId, generation, payload);
        }
    }

    /** The JVM's worker channel closed: its sample goes, its counters fold into the pool-wide totals. */
    public void disconnected(long generation) {
        readings.remove(generation);
        MeterStore store = meterStore;
        if (store != null) {
            store.exited(generation);
        }
    }

    /** The latest readings of the live JVMs, in no order. */
    public List<Reading> readings() {
        return new ArrayList<>(readings.values());
    }

    /** The latest sample of the JVM with this pid, or null (none yet, or no such JVM). */
    public JvmSample latest(long pid) {
        Reading reading = byPid(pid);
        return reading == null ? null : reading.sample();
    }

    /** The statuses with each JVM's latest figures filled in (matched by pid). */
    public List<WorkerStatus> withSamples(List<WorkerStatus> statuses) {
        List<WorkerStatus> result = new ArrayList<>(statuses.size());
        for (WorkerStatus status : statuses) {
            Reading reading = status.pid() < 0 ? null : byPid(status.pid());
            if (reading == null) {
                result.add(status);
            } else {
                JvmSample s = reading.sample();
                result.add(status.withJvm(s.heapUsedBytes(), s.heapCommittedBytes(), s.gcCount(), reading.gcShare(),
                        s.threads(), s.pssBytes()));
            }
        }
        return result;
    }

    private Reading byPid(long pid) {
        for (Reading reading : readings.values()) {
            if (reading.pid() == pid) {
                return reading;
            }
        }
        return null;
    }
}
