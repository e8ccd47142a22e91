package io.workerpool.internal.core;

import io.workerpool.internal.metrics.ExitCause;
import io.workerpool.internal.wire.ExitCodes;
import java.time.Duration;

/**
 * The core's decisions about JVMs that ended or could not start: which phase their worker id goes to (a successor
 * takes over, the id leaves the pool, is served again at once or after a backoff, or is given up on), and the line
 * that says why. Part of {@link PoolCore}; the next JVM is spawned by its reconcile.
 */
final class Exits {
    private static final String EXITED_BEFORE_CONNECTING = "exited before it reached the master (a bad JVM option,"
            + " a missing main class, or the program failed before Supervisor.main(): see its stderr)";

    private final PoolCore core;
    private final Command.Outbox out;
    private String haltReason;

    Exits(PoolCore core) {
        this.core = core;
        this.out = core.out;
    }

    /** Why the pool stopped by itself, or null when it was asked to. */
    String haltReason() {
        return haltReason;
    }

    /** No JVM could be started for a spawn: a worker id backs off, a successor fails its reload. */
    void onSpawnFailed(PoolEvent.SpawnFailed e) {
        WorkerJvm jvm = core.live.remove(e.generation());
        if (jvm == null) {
            return;
        }
        if (jvm.isTraining()) {
            return; // the AOT cache gave up on it (the loop told it): workers start without a cache
        }
        if (jvm.isSpare()) {
            core.spares.spawnFailed(jvm);
            out.error("hot spare: cannot start a JVM ({}); command: {}", e.error(), e.command());
            return;
        }
        WorkerSlot slot = core.slots.get(jvm.id());
        if (slot == null || slot.jvm(jvm.generation) == null) {
            return;
        }
        if (jvm == slot.successor()) {
            slot.successorGone();
            out.error("worker {}: cannot start a JVM ({}); command: {}", slot.id, e.error(), e.command());
            core.reload.successorFailed(slot, "could not start a new JVM for worker " + slot.id);
            return;
        }
        if (slot.removal() != null || core.state != PoolState.RUNNING) {
            out.error("worker {}: cannot start a JVM ({}); command: {}", slot.id, e.error(), e.command());
            if (slot.removal() != null) {
                core.forget(slot, slot.lastStatusOrZero());
            } else {
                slot.empty();
            }
            return;
        }
        Duration delay = RestartPolicy.delay(++slot.quickExitsInARow, ExitCodes.BOOT_ERROR);
        out.error("worker {}: cannot start a JVM ({}); command: {}; retrying in {} ms", slot.id, e.error(),
                e.command(), delay.toMillis());
        scheduleRestart(slot, delay);
    }

    void onExited(PoolEvent.WorkerExited e) {
        WorkerJvm jvm = core.live.remove(e.generation());
        if (jvm == null) {
            return;
        }
        boolean neverConnected = e.neverConnected();
        String bootError = jvm.connected ? e.bootError() : jvm.bootError;
        // Its channel is not closed here: the worker's last log records may still be in it. Its reader replays
        // them, meets the end of the stream the exit left, and closes it.
        jvm.connected = false;
        String how = ExitCodes.describe(e.status());
        if (jvm.isTraining()) {
            out.add(new Command.AotTrainingExited(e.status(), jvm.state == SlotState.STOPPING));
            return;
        }
        if (jvm.isSpare()) {
            if (core.spares.exited(jvm)) {
                out.warn("{} exited ({}); another will be started on the next check", jvm, how);
            }
            return;
        }
        WorkerSlot slot = core.slots.get(jvm.id());
        if (slot == null || slot.jvm(jvm.generation) == null) {
            return;
        }
        long uptimeNanos = core.now - jvm.spawnedNanos;
        // What this duration measures is said where it is printed: the JVM's whole life, from its spawn.
        String uptime = PoolCore.formatMillis(uptimeNanos / 1_000_000) + " of JVM uptime";
        int id = jvm.id();
        long pid = jvm.pid();
        ExitCause cause = jvm.stopCause != null ? jvm.stopCause : ExitCause.ofStatus(e.status());
        out.notify(o -> o.workerExited(id, pid, e.status(), cause));
        if (jvm == slot.successor()) {
            slot.successorGone();
            String when = jvm.state == SlotState.STARTING ? "before it was ready" : "before it took over";
            out.error("{} exited ({}) after {} {}; {} keeps serving", jvm, how, uptime, when, slot);
            core.reload.successorFailed(slot, jvm + " exited (" + how + ") " + when);
            return;
        }
        slot.lastExitStatus = e.status();
        slot.lastExit = how;
        if (slot.successor() != null) {
            slot.tookOver();
            out.info("{} exited ({}) after {}; {} took over", jvm, how, uptime, slot.active());
            core.reload.replaced(slot);
            return;
        }
        if (slot.removal() != null) {
            out.info("{} exited ({}) after {}; removed from the pool", jvm, how, uptime);
            core.forget(slot, e.status());
            return;
        }
        slot.empty();
        if (core.state != PoolState.RUNNING) {
            out.info("{} stopped ({}) after {}", jvm, how, uptime);
            return;
        }
        if (jvm.state == SlotState.STOPPING) {
            // Asked to stop for a replacement that died after it was ready (found by PoolSimulationTest): the id
            // still needs a JVM, and this exit was no crash.
            out.warn("{} stopped ({}) after {}, but the JVM that was to replace it is gone; starting another", jvm,
                    how, uptime);
            return;
        }
        crashed(slot, jvm, e, neverConnected, bootError, how, uptime);
    }

    /** A worker's JVM ended by itself: served again at once, after a backoff, or given up on. */
    private void crashed(WorkerSlot slot, WorkerJvm jvm, PoolEvent.WorkerExited e, boolean neverConnected,
                         String bootError, String how, String uptime) {
        // Counted from its "started" report, not its spawn: on a loaded machine a JVM may take more than a
        // second to boot, and a worker that dies right after starting must still count as a crash loop.
        // Both ends as they happened, not as a busy loop got to them.
        long runningNanos = jvm.startedNanos == 0 ? 0 : PoolEvent.happened(e.atNanos(), core.now) - jvm.startedNanos;
        boolean quick = runningNanos < RestartPolicy.STABLE_UPTIME.toNanos();
        slot.quickExitsInARow = quick ? slot.quickExitsInARow + 1 : 0;
        // A JVM that ended by itself before it reached the master never ran the worker: a bad JVM option, a
        // main class missing, the program failing before Supervisor.main(). As a factory that throws, it
        // will fail the same way again.
        boolean booted = booted(e.status(), neverConnected);
        slot.bootErrorsInARow = booted ? 0 : slot.bootErrorsInARow + 1;
        if (!booted) {
            slot.bootError = bootError != null ? "its last error: " + bootError : neverConnected
                    ? "it " + EXITED_BEFORE_CONNECTING : slot.bootError;
        }
        if (slot.bootErrorsInARow >= RestartPolicy.MAX_BOOT_ERRORS_IN_A_ROW) {
            giveUp(slot, jvm, how, e.stderr());
            return;
        }
        slot.restarts++;
        out.notify(o -> o.workerRestarting(slot.id));
        Duration delay = RestartPolicy.delay(slot.quickExitsInARow, booted ? e.status() : ExitCodes.BOOT_ERROR);
        String cause = neverConnected && e.status() < 128 ? ": it " + EXITED_BEFORE_CONNECTING
                : jvm.killPending && e.status() == 128 + 9 ? ": killed by the master (see above)"
                : causeOf(e.status());
        if (jvm.startedNanos == 0) {
            cause += e.stderr().described();
        }
        if (delay.isZero()) {
            out.warn("{} exited ({}) after {}{}; {}", jvm, how, uptime, cause,
                    core.spares.hasReady() ? "a hot spare takes over" : "restarting");
        } else {
            out.warn("{} exited ({}) after {}{}; {} in a row within {} ms of reporting started: restarting in {} ms",
                    jvm, how, uptime, cause, slot.quickExitsInARow == 1 ? "1 exit" : slot.quickExitsInARow + " exits",
                    RestartPolicy.STABLE_UPTIME.toMillis(), delay.toMillis());
            scheduleRestart(slot, delay);
        }
    }

    /** False for an exit that counts as a boot error: toward giving the worker's id up. */
    private static boolean booted(int status, boolean neverConnected) {
        return status != ExitCodes.BOOT_ERROR && !(neverConnected && status < 128);
    }

    /**
     * Whether the line about this exit may show the workers' stderr tail ({@link PoolEvent.Stderr}): the exit of
     * a worker's JVM that never reported started, or one that counts as a boot error (it may give the id up).
     * The loop reads the file only then, not on every exit.
     */
    boolean mayShowStderr(long generation, int status, boolean neverConnected) {
        WorkerJvm jvm = core.live.get(generation);
        return jvm != null && !jvm.isTraining() && !jvm.isSpare()
                && (jvm.startedNanos == 0 || !booted(status, neverConnected));
    }

    /** Like gunicorn's WORKER_BOOT_ERROR: don't restart what can never start. */
    private void giveUp(WorkerSlot slot, WorkerJvm jvm, String how, PoolEvent.Stderr stderr) {
        slot.fail();
        String why = slot.bootError != null ? slot.bootError : "see the worker's error above";
        out.error("{} exited ({}): worker {} failed to boot {} times in a row, giving up on it; {}. This is a"
                + " configuration error: fix it, then restart the pool{}", jvm, how, slot.id, slot.bootErrorsInARow,
                why, stderr.described());
        if (core.slots.values().stream().allMatch(s -> s.failed() || s.removal() != null)) {
            haltReason = "no worker could boot: every worker failed to boot " + RestartPolicy.MAX_BOOT_ERRORS_IN_A_ROW
                    + " times in a row; worker " + slot.id + ": " + why
                    + (stderr.lastLines().isEmpty() ? "" : "; the workers' stderr " + core.config.stderr()
                    + " ends with: " + stderr.lastLines());
            core.stops.requestPoolStop(false, haltReason, core.stops.stopTimeout());
        }
    }

    private static String causeOf(int status) {
        return switch (status) {
            case ExitCodes.BOOT_ERROR -> ": boot error, the worker could not be built or reach the master (a"
                    + " configuration error: see the worker's log above)";
            case 128 + 9 -> ": it was sent SIGKILL, perhaps out of memory?";
            case ExitCodes.MAIN_FAILED -> ": main() threw (see the worker's log above)";
            case ExitCodes.MASTER_GONE -> ": its worker channel to the master closed under it";
            default -> "";
        };
    }

    private void scheduleRestart(WorkerSlot slot, Duration delay) {
        long token = slot.backoff(core.now + delay.toNanos());
        out.arm(delay, new PoolEvent.RestartDue(slot.id, token));
    }

    void onRestartDue(PoolEvent.RestartDue e) {
        WorkerSlot slot = core.slots.get(e.workerId());
        if (slot != null) {
            slot.restartDue(e.restartToken()); // Empty now: the reconcile serves it (while the pool runs)
        }
    }
}
