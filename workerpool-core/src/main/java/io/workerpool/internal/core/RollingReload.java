package io.workerpool.internal.core;

import io.workerpool.internal.metrics.ExitCause;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A rolling reload: every worker replaced by a fresh JVM, {@code batch} at a time (default one). The successor
 * starts next to the old JVM and must report ready (its onStart callbacks done) before the old one is asked to
 * stop, so the pool never serves with fewer workers than it has. The next successor starts as soon as one is
 * ready, while the old JVM drains, so a reload costs one JVM start per batch rather than a start and a stop.
 * A successor that dies or stays unready aborts the reload and the old workers keep serving (successors
 * already started finish their swap). Part of the core ({@link PoolCore}): it marks the slots to replace, the
 * core's reconcile spawns the successors.
 */
final class RollingReload {
    private final PoolCore core;
    private final Command.Outbox out;
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

    RollingReload(PoolCore core, int batch) {
        this.core = core;
        this.out = core.out;
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
        startedNanos = core.now;
        replaced = 0;
        starting.clear();
        draining.clear();
        pending.clear();
        pending.addAll(ids);
        out.notify(o -> o.reloadStarted(cause));
        out.info("reload ({}): replacing {} worker(s) {} at a time, each new one ready before the old one stops",
                cause, ids.size(), batch);
        next();
        return result;
    }

    private void next() {
        while (starting.size() < batch && !pending.isEmpty()) {
            WorkerSlot slot = core.slot(pending.poll());
            if (slot == null || core.state != PoolState.RUNNING || !slot.wantSuccessor()) {
                // removed (or being removed) meanwhile, or waiting for a restart that brings fresh code anyway, or
                // stopping, or a successor of an earlier (failed) reload is still on its way to take over (found
                // by PoolSimulationTest): the reconcile spawns the successor of the others
                continue;
            }
            out.info("reload ({}): starting a new JVM for worker {}", cause, slot.id);
            starting.add(slot.id);
        }
        if (!starting.isEmpty() || !draining.isEmpty()) {
            return;
        }
        long millis = (core.now - startedNanos) / 1_000_000;
        lastResult = "completed (" + cause + "): " + replaced + " worker(s) replaced in " + millis + " ms";
        out.info("reload {}", lastResult);
        running = false;
        finished("completed", Outcome.done(lastResult));
    }

    /** The successor reported ready: now, and only now, the old JVM is asked to stop. */
    void successorReady(WorkerSlot slot) {
        core.stops.stopGracefully(slot.active(), kind, "replaced by " + slot.successor());
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
            out.warn("reload {}", lastResult);
            finished("aborted", Outcome.aborted(lastResult));
        }
    }

    private void fail(String why) {
        running = false;
        pending.clear();
        starting.clear();
        draining.clear();
        lastResult = "failed (" + cause + "): " + why + "; the old workers keep serving";
        out.error("reload {}", lastResult);
        finished("failed", Outcome.aborted(lastResult));
    }

    private void finished(String how, Outcome result) {
        String line = lastResult;
        String label = kind.label();
        out.notify(o -> o.reloadFinished(line));
        out.notify(o -> o.replacementEnded(label, how));
        out.complete(outcome, result);
    }

    boolean isRunning() {
        return running;
    }

    String status() {
        int toGo = pending.size() + starting.size() + draining.size();
        return running ? "running (" + cause + "), " + replaced + " replaced, " + toGo + " to go" : lastResult;
    }
}
