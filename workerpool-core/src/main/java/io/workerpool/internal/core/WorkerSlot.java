package io.workerpool.internal.core;

import java.util.concurrent.CompletableFuture;

/**
 * One worker id in the pool: its {@link Phase} and its restart history. Every change of phase is a method of this
 * file; the core's deciders call them. Owned by the pool's loop thread: no other thread reads or writes it.
 *
 * <pre>
 *   Empty ──reconcile──▶ Serving(jvm) ──exit──▶ Empty | Backoff(until) | Failed
 *   Backoff ──restart due──▶ Empty                 Serving ──reload──▶ Replacing(old, null)
 *   Replacing(old, null) ──reconcile──▶ Replacing(old, next) ──old exits──▶ Serving(next)
 *   Replacing(old, next) ──next exits / cannot start──▶ Serving(old)
 *   Serving | Replacing ──remove──▶ Removing(jvm) ──exit──▶ gone;   Empty | Backoff | Failed ──remove──▶ gone
 * </pre>
 * The serving JVM's own lifecycle (STARTING, RUNNING, STOPPING) is its {@link WorkerJvm#state}.
 */
final class WorkerSlot {
    /** What a worker id is doing now. */
    sealed interface Phase {
        /** Needs a JVM now: the next {@link PoolCore#reconcile()} promotes a ready spare or spawns one. */
        record Empty() implements Phase {
        }

        /** Exited too soon: a JVM is due at {@code until}, when the restart timer with {@code token} fires. */
        record Backoff(long until, long token) implements Phase {
        }

        /** One JVM serves the id: starting, running, or stopping (see its state). */
        record Serving(WorkerJvm jvm) implements Phase {
        }

        /**
         * A ready-gated replacement (reload, restart, recycle): {@code next} (null until the reconcile spawned it)
         * must report started before {@code old} is asked to stop.
         */
        record Replacing(WorkerJvm old, WorkerJvm next) implements Phase {
        }

        /** Leaving the pool: {@code done} completes with the exit status of {@code jvm} (null: it had none). */
        record Removing(WorkerJvm jvm, CompletableFuture<Integer> done) implements Phase {
        }

        /** Could not boot several times in a row: given up on, not restarted until the pool is. */
        record Failed() implements Phase {
        }
    }

    final int id;
    private Phase phase = new Phase.Empty();
    /** Bumped by every backoff, so that a late timer for an earlier one is ignored. */
    private long restartToken;
    int quickExitsInARow;
    int bootErrorsInARow;
    /** Why its last JVM failed to boot, as far as the master knows (the error it logged), or null. */
    String bootError;
    int restarts;
    int recycles;
    Integer lastExitStatus;
    String lastExit = "";

    WorkerSlot(int id) {
        this.id = id;
    }

    Phase phase() {
        return phase;
    }

    // ---- transitions ----

    /** Empty → Serving: the reconcile gave it a JVM (spawned, or a promoted spare). */
    void serve(WorkerJvm jvm) {
        phase = new Phase.Serving(jvm);
    }

    /** Its JVM exited (or could not start) and it needs another now. */
    void empty() {
        phase = new Phase.Empty();
    }

    /** Its JVM exited too soon: another after the backoff; returns the token of the restart timer. */
    long backoff(long until) {
        phase = new Phase.Backoff(until, ++restartToken);
        return restartToken;
    }

    /** The restart timer fired: true (and Empty) when it is this slot's current one. */
    boolean restartDue(long token) {
        if (phase instanceof Phase.Backoff b && b.token() == token) {
            phase = new Phase.Empty();
            return true;
        }
        return false;
    }

    void fail() {
        phase = new Phase.Failed();
    }

    /** Serving → Replacing(old, null): a successor is wanted; false when the slot cannot be replaced now. */
    boolean wantSuccessor() {
        if (phase instanceof Phase.Serving(WorkerJvm jvm) && jvm.state != SlotState.STOPPING) {
            phase = new Phase.Replacing(jvm, null);
            return true;
        }
        return false;
    }

    /** Replacing(old, null) → Replacing(old, next): the reconcile spawned the successor. */
    void successorSpawned(WorkerJvm next) {
        phase = new Phase.Replacing(((Phase.Replacing) phase).old(), next);
    }

    /** Replacing → Serving(old): the successor exited, could not start, or is given up (stop, removal). */
    void successorGone() {
        if (phase instanceof Phase.Replacing(WorkerJvm old, WorkerJvm next)) {
            phase = new Phase.Serving(old);
        }
    }

    /** Replacing → Serving(next): the old JVM exited and the successor took over. */
    void tookOver() {
        phase = new Phase.Serving(((Phase.Replacing) phase).next());
    }

    /** Serving → Removing: the slot leaves the pool when its JVM exits. */
    CompletableFuture<Integer> removing(WorkerJvm jvm) {
        CompletableFuture<Integer> done = new CompletableFuture<>();
        phase = new Phase.Removing(jvm, done);
        return done;
    }

    // ---- reading ----

    /** What a removal completes with when the slot has no JVM to wait for: its last exit status, else 0. */
    int lastStatusOrZero() {
        return lastExitStatus == null ? 0 : lastExitStatus;
    }

    /** The JVM serving the id now (the old one during a replacement), or null. */
    WorkerJvm active() {
        return switch (phase) {
            case Phase.Serving s -> s.jvm();
            case Phase.Replacing r -> r.old();
            case Phase.Removing r -> r.jvm();
            default -> null;
        };
    }

    /** The JVM that will take over in a replacement, or null. */
    WorkerJvm successor() {
        return phase instanceof Phase.Replacing r ? r.next() : null;
    }

    /** Set while the slot is being removed; its future completes when it has left. */
    CompletableFuture<Integer> removal() {
        return phase instanceof Phase.Removing r ? r.done() : null;
    }

    boolean failed() {
        return phase instanceof Phase.Failed;
    }

    /** As status shows it: the serving JVM's state, or BACKOFF (also while empty) or FAILED. */
    SlotState state() {
        WorkerJvm active = active();
        return active != null ? active.state : failed() ? SlotState.FAILED : SlotState.BACKOFF;
    }

    /** The JVM of this generation in this slot, or null. */
    WorkerJvm jvm(long generation) {
        WorkerJvm active = active();
        if (active != null && active.generation == generation) {
            return active;
        }
        WorkerJvm successor = successor();
        return successor != null && successor.generation == generation ? successor : null;
    }

    /** "worker 1 [RUNNING] (pid 1234)", "worker 1 [BACKOFF]", "worker 1 [Replacing: ... → ...]". */
    @Override
    public String toString() {
        return switch (phase) {
            case Phase.Serving s -> s.jvm().toString();
            case Phase.Removing r -> r.jvm() == null ? "worker " + id + " [removed]" : r.jvm() + " (removing)";
            case Phase.Replacing r -> "worker " + id + " [replacing pid " + r.old().pid() + " " + r.old().state
                    + " by " + (r.next() == null ? "a JVM not spawned yet" : "pid " + r.next().pid() + " "
                    + r.next().state) + "]";
            case Phase.Backoff b -> "worker " + id + " [BACKOFF]";
            case Phase.Empty e -> "worker " + id + " [BACKOFF, no JVM yet]";
            case Phase.Failed f -> "worker " + id + " [FAILED]";
        };
    }
}
