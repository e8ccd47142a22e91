package io.workerpool.internal.master;

import io.workerpool.internal.metrics.ExitCause;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling reload: every worker replaced by a fresh JVM, one at a time. The successor starts next to the
 * old JVM and must report ready (its onStart callbacks done) before the old one is asked to stop, so the
 * pool never serves with fewer workers than it has. A successor that dies or stays unready aborts the
 * reload and the old workers keep serving. Driven by the {@link Arbiter}, on the pool's loop thread.
 */
final class RollingReload {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final Arbiter arbiter;
    private final PoolObserver observer;
    private final Deque<Integer> pending = new ArrayDeque<>();
    private boolean running;
    /** RELOAD, RESTART or RECYCLE: why the old JVMs are asked to stop, for metrics. */
    private ExitCause kind = ExitCause.RELOAD;
    private String cause;
    private long startedNanos;
    private int replaced;
    private String lastResult = "no reload yet";

    RollingReload(Arbiter arbiter, PoolObserver observer) {
        this.arbiter = arbiter;
        this.observer = observer;
    }

    void start(ExitCause kind, String cause, List<Integer> ids) {
        if (running) {
            LOG.warn("{}: a reload ({}) is already running with {} workers to go; ignored", cause, this.cause,
                    pending.size() + 1);
            return;
        }
        running = true;
        this.kind = kind;
        this.cause = cause;
        startedNanos = System.nanoTime();
        replaced = 0;
        pending.clear();
        pending.addAll(ids);
        observer.reloadStarted(cause);
        LOG.info("reload ({}): replacing {} worker(s) one at a time, each new one ready before the old one stops",
                cause, ids.size());
        next();
    }

    private void next() {
        while (!pending.isEmpty()) {
            WorkerSlot slot = arbiter.slot(pending.poll());
            if (slot == null || slot.active == null) {
                continue; // removed meanwhile, or waiting for a restart that brings fresh code anyway
            }
            if (!arbiter.startSuccessor(slot)) {
                fail("could not start a new JVM for worker " + slot.id);
            }
            return;
        }
        long millis = (System.nanoTime() - startedNanos) / 1_000_000;
        lastResult = "completed (" + cause + "): " + replaced + " worker(s) replaced in " + millis + " ms";
        LOG.info("reload {}", lastResult);
        running = false;
        observer.reloadFinished(lastResult);
        observer.replacementEnded(kind.label(), "completed");
    }

    /** The successor reported ready: now, and only now, the old JVM is asked to stop. */
    void successorReady(WorkerSlot slot) {
        if (slot.active != null) {
            arbiter.stopGracefully(slot.active, kind, "replaced by " + slot.successor);
        }
    }

    /** The old JVM exited and the successor took over. */
    void replaced(WorkerSlot slot, boolean asPlanned) {
        replaced++;
        if (running) {
            next();
        }
    }

    void successorFailed(WorkerSlot slot, String why) {
        if (running) {
            fail(why);
        }
    }

    void abort(String why) {
        if (running) {
            running = false;
            pending.clear();
            lastResult = "aborted (" + cause + "): " + why;
            LOG.warn("reload {}", lastResult);
            observer.reloadFinished(lastResult);
            observer.replacementEnded(kind.label(), "aborted");
        }
    }

    private void fail(String why) {
        running = false;
        pending.clear();
        lastResult = "failed (" + cause + "): " + why + "; the old workers keep serving";
        LOG.error("reload {}", lastResult);
        observer.reloadFinished(lastResult);
        observer.replacementEnded(kind.label(), "failed");
    }

    boolean isRunning() {
        return running;
    }

    String status() {
        return running ? "running (" + cause + "), " + replaced + " replaced, " + pending.size() + " to go" : lastResult;
    }
}
