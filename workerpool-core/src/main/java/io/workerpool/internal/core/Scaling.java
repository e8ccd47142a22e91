package io.workerpool.internal.core;

import io.workerpool.internal.metrics.ExitCause;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The core's decisions about the set of worker ids: add one, remove one, scale to a count, and when a scale is done.
 * Adding only creates an empty slot: the reconcile serves it. Part of {@link PoolCore}.
 */
final class Scaling {
    private final PoolCore core;
    private final Command.Outbox out;
    private final List<ScaleWait> scaleWaits = new ArrayList<>();

    /** A scale call waiting for its outcome: checked at the end of every event. */
    private record ScaleWait(int count, List<Integer> added, List<CompletableFuture<Integer>> removals,
                             CompletableFuture<Outcome> future) {
    }

    Scaling(PoolCore core) {
        this.core = core;
        this.out = core.out;
    }

    void addWorker(int id) {
        if (core.state != PoolState.RUNNING && core.state != PoolState.STARTING) {
            throw new IllegalStateException("cannot add worker " + id + ": the pool is " + core.state);
        }
        if (core.slots.containsKey(id)) {
            throw new IllegalArgumentException("worker " + id + " is already in the pool " + core.slots.keySet());
        }
        core.slots.put(id, new WorkerSlot(id));
        core.publishIds();
        out.info("worker {} added to the pool", id);
    }

    CompletableFuture<Integer> removeWorker(int id) {
        WorkerSlot slot = core.slots.get(id);
        if (slot == null) {
            throw new IllegalArgumentException("worker " + id + " is not in the pool " + core.slots.keySet());
        }
        if (slot.removal() != null) {
            return slot.removal();
        }
        WorkerJvm successor = slot.successor();
        if (successor != null) {
            slot.successorGone();
            core.reload.successorFailed(slot, "worker " + id + " is being removed");
            successor.stopCause = ExitCause.REMOVE;
            core.stops.kill(successor);
        } else {
            slot.successorGone(); // a successor wanted and not spawned yet is not wanted any more
        }
        WorkerJvm active = slot.active();
        if (active == null) {
            CompletableFuture<Integer> removal = slot.removing(null);
            core.forget(slot, slot.lastStatusOrZero());
            return removal;
        }
        CompletableFuture<Integer> removal = slot.removing(active);
        core.stops.stopGracefully(active, ExitCause.REMOVE, "removing it from the pool");
        return removal;
    }

    /**
     * Grows or shrinks the pool to {@code count} workers: new ids are the lowest free ones, removed the highest.
     * The future completes once every removed worker has exited and every added one has reported started, or
     * with the reason that can no longer happen (see {@link ScaleWait}).
     */
    CompletableFuture<Outcome> scaleTo(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("a pool needs at least 1 worker, got " + count);
        }
        if (core.state != PoolState.RUNNING && core.state != PoolState.STARTING) {
            throw new IllegalStateException("cannot scale to " + count + ": the pool is " + core.state);
        }
        List<CompletableFuture<Integer>> removals = new ArrayList<>();
        List<Integer> added = new ArrayList<>();
        List<Integer> kept = core.slots.values().stream().filter(s -> s.removal() == null).map(s -> s.id).sorted()
                .toList();
        out.info("scaling from {} to {}", kept.size(), PoolCore.workers(count));
        for (int i = kept.size() - 1; i >= count; i--) {
            removals.add(removeWorker(kept.get(i)));
        }
        for (int id = 0, n = kept.size(); n < count; id++) {
            if (!core.slots.containsKey(id)) {
                addWorker(id);
                added.add(id);
                n++;
            }
        }
        ScaleWait wait = new ScaleWait(count, added, removals, new CompletableFuture<>());
        scaleWaits.add(wait);
        return wait.future();
    }

    int activeCount() {
        return (int) core.slots.values().stream().filter(s -> s.removal() == null).count();
    }

    /** Completes the scale waits whose outcome is known; at the end of every event. */
    void settle() {
        for (Iterator<ScaleWait> it = scaleWaits.iterator(); it.hasNext(); ) {
            ScaleWait wait = it.next();
            Outcome outcome = scaleOutcome(wait);
            if (outcome != null) {
                it.remove();
                out.complete(wait.future(), outcome);
            }
        }
    }

    /** Null while the scale is still under way. */
    private Outcome scaleOutcome(ScaleWait wait) {
        if (core.state != PoolState.RUNNING && core.state != PoolState.STARTING) {
            return Outcome.aborted("aborted (scale to " + wait.count() + "): the pool is stopping");
        }
        boolean done = wait.removals().stream().allMatch(this::removed);
        for (int id : wait.added()) {
            WorkerSlot slot = core.slots.get(id);
            if (slot == null || slot.removal() != null) {
                return Outcome.aborted("aborted (scale to " + wait.count() + "): worker " + id
                        + " was removed meanwhile");
            }
            if (slot.failed()) {
                return Outcome.aborted("aborted (scale to " + wait.count() + "): worker " + id + " failed to boot "
                        + slot.bootErrorsInARow + " times in a row and was given up on"
                        + (slot.bootError == null ? "" : "; " + slot.bootError));
            }
            done &= slot.state() == SlotState.RUNNING;
        }
        return done ? Outcome.done("scaled to " + PoolCore.workers(wait.count())) : null;
    }

    /** A removal is done once its slot has left the pool (its future's completion is a command, run after). */
    private boolean removed(CompletableFuture<Integer> removal) {
        return removal.isDone() || core.slots.values().stream().noneMatch(s -> s.removal() == removal);
    }

    /** The loop ended: every future still open completes, so that no caller waits forever. */
    void abandonPending(String why) {
        core.reload.abort(why);
        scaleWaits.forEach(wait -> out.complete(wait.future(),
                Outcome.aborted("aborted (scale to " + wait.count() + "): " + why)));
        scaleWaits.clear();
        core.slots.values().stream().filter(slot -> slot.removal() != null)
                .forEach(slot -> out.complete(slot.removal(), slot.lastExitStatus == null ? -1 : slot.lastExitStatus));
    }
}
