package io.workerpool.internal.master;

import io.workerpool.internal.core.Outcome;
import io.workerpool.internal.metrics.ExitCause;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling reload: every worker replaced by a fresh JVM, {@code batch} at a time (default one). The successor
 * starts next to the old JVM and must report ready (its onStart callbacks done) before the old one is asked to
 * stop, so the pool never serves with fewer workers than it has. The next successor starts as soon as one is
 * ready, while the old JVM drains, so a reload costs one JVM start per batch rather than a start and a stop.
 * A successor that dies or stays unready aborts the reload and the old workers keep serving (successors
 * already started finish their swap). Driven by the {@link Arbiter}, on the pool's loop thread.
 */
final class RollingReload {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final Arbiter arbiter;
    private final PoolObserver observer;
    private final int batch;
    private final Deque<Integer> pending = new ArrayDeque<>();
    private final Set<Integer> starting = new HashSet<>(); // ids whose successor is not ready yet
    private final Set<Integer> draining = new HashSet<>(); // ids whose old JVM was asked to stop, not exited yet
    private boolean running;
    /** RELOAD, RESTART or RECYCLE: why the old JVMs are asked to stop, for metrics. */
    private ExitCause kind = ExitCause.RELOAD;
    private String cause;
    private long startedNanos;
    private int replaced;
    private String lastResult = "no reload yet";
    /** Completes with this run's outcome: what reloadAsync()/restartWorkerAsync() return. */
    private CompletableFuture<Outcome> outcome = CompletableFuture.completedFuture(Outcome.done("no reload yet"));

    RollingReload(Arbiter arbiter, PoolObserver observer, int batch) {
        this.arbiter = arbiter;
        this.observer = observer;
        this.batch = batch;
    }

    /** Starts a run; its future completes when the run completes, fails or is aborted. */
    CompletableFuture<Outcome> start(ExitCause kind, String cause, List<Integer> ids) {
        if (running) {
            // Refused, not queued: the caller (signal, control socket, API) says so to whoever asked.
            throw new IllegalStateException("a reload (" + this.cause + ") is already running with "
                    + (pending.size() + starting.size() + draining.size()) + " worker(s) to go; try again when it"
                    + " is done");
        }
        running = true;
        outcome = new CompletableFuture<>();
        CompletableFuture<Outcome> result = outcome;
        this.kind = kind;
        this.cause = cause;
        startedNanos = arbiter.now();
        replaced = 0;
        starting.clear();
        draining.clear();
        pending.clear();
        pending.addAll(ids);
        observer.reloadStarted(cause);
        LOG.info("reload ({}): replacing {} worker(s) {} at a time, each new one ready before the old one stops",
                cause, ids.size(), batch);
        next();
        return result;
    }

    private void next() {
        while (starting.size() < batch && !pending.isEmpty()) {
            WorkerSlot slot = arbiter.slot(pending.poll());
            if (slot == null || slot.active == null || slot.successor != null) {
                // removed meanwhile, or waiting for a restart that brings fresh code anyway, or a successor of an
                // earlier (failed) reload is still on its way to take over (found by PoolSimulationTest)
                continue;
            }
            LOG.info("reload ({}): starting a new JVM for worker {}", cause, slot.id);
            if (!arbiter.startSuccessor(slot)) {
                fail("could not start a new JVM for worker " + slot.id);
                return;
            }
            starting.add(slot.id);
        }
        if (!starting.isEmpty() || !draining.isEmpty()) {
            return;
        }
        long millis = (arbiter.now() - startedNanos) / 1_000_000;
        lastResult = "completed (" + cause + "): " + replaced + " worker(s) replaced in " + millis + " ms";
        LOG.info("reload {}", lastResult);
        running = false;
        observer.reloadFinished(lastResult);
        observer.replacementEnded(kind.label(), "completed");
        outcome.complete(Outcome.done(lastResult));
    }

    /** The successor reported ready: now, and only now, the old JVM is asked to stop. */
    void successorReady(WorkerSlot slot) {
        if (slot.active != null) {
            arbiter.stopGracefully(slot.active, kind, "replaced by " + slot.successor);
        }
        if (running && starting.remove(slot.id)) {
            draining.add(slot.id);
            next();
        }
    }

    /**
     * The old JVM exited and the successor took over: as planned once it was asked to stop, or early when the
     * old one died by itself before its successor was ready.
     */
    void replaced(WorkerSlot slot) {
        replaced++;
        if (running && (draining.remove(slot.id) || starting.remove(slot.id))) {
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
            starting.clear();
            draining.clear();
            lastResult = "aborted (" + cause + "): " + why;
            LOG.warn("reload {}", lastResult);
            observer.reloadFinished(lastResult);
            observer.replacementEnded(kind.label(), "aborted");
            outcome.complete(Outcome.aborted(lastResult));
        }
    }

    private void fail(String why) {
        running = false;
        pending.clear();
        starting.clear();
        draining.clear();
        lastResult = "failed (" + cause + "): " + why + "; the old workers keep serving";
        LOG.error("reload {}", lastResult);
        observer.reloadFinished(lastResult);
        observer.replacementEnded(kind.label(), "failed");
        outcome.complete(Outcome.aborted(lastResult));
    }

    boolean isRunning() {
        return running;
    }

    String status() {
        int toGo = pending.size() + starting.size() + draining.size();
        return running ? "running (" + cause + "), " + replaced + " replaced, " + toGo + " to go" : lastResult;
    }
}
