package io.workerpool.internal.core;

import io.workerpool.internal.wire.Message;
import java.nio.file.Path;
import java.util.List;

/**
 * The core's decisions on operations asked by a signal, the API or the management socket: reload, restart one
 * worker, the operation signals (HUP, TTIN, TTOU, USR1) and log rotation. Part of {@link PoolCore}; scaling is
 * {@link Scaling}'s, stopping {@link Stops}'.
 */
final class Operations {
    private final PoolCore core;
    private final Command.Outbox out;
    /** The workers' own stdout and stderr files (reopened on log rotation), or null. */
    private final Path workersStdout;
    private final Path workersStderr;

    Operations(PoolCore core, Path workersStdout, Path workersStderr) {
        this.core = core;
        this.out = core.out;
        this.workersStdout = workersStdout;
        this.workersStderr = workersStderr;
    }

    void onOperationSignal(String name) {
        try {
            switch (name) {
                case "HUP" -> reload("SIGHUP");
                case "TTIN" -> core.scaling.scaleTo(core.scaling.activeCount() + 1);
                case "TTOU" -> {
                    if (core.scaling.activeCount() > 1) {
                        core.scaling.scaleTo(core.scaling.activeCount() - 1);
                    } else {
                        out.warn("SIGTTOU: the pool already has only 1 worker; not going below");
                    }
                }
                case "USR1" -> reopenOutput("SIGUSR1", true);
                default -> out.warn("SIG{} is not handled", name);
            }
        } catch (IllegalStateException e) {
            out.warn("SIG{}: {}", name, e.getMessage());
        }
    }

    /** Completes when the reload has replaced every worker, or with the reason it was aborted. */
    java.util.concurrent.CompletableFuture<io.workerpool.internal.core.Outcome> reload(String cause) {
        if (core.state != PoolState.RUNNING) {
            throw new IllegalStateException("cannot reload: the pool is " + core.state);
        }
        return core.reload.start(io.workerpool.internal.metrics.ExitCause.RELOAD, cause, List.copyOf(core.slots.keySet()));
    }

    java.util.concurrent.CompletableFuture<io.workerpool.internal.core.Outcome> restartWorker(int id) {
        if (!core.slots.containsKey(id)) {
            throw new IllegalArgumentException("worker " + id + " is not in the pool " + core.slots.keySet());
        }
        String cause = "restart of worker " + id;
        if (core.state != PoolState.RUNNING) {
            throw new IllegalStateException("cannot " + cause + ": the pool is " + core.state);
        }
        return core.reload.start(io.workerpool.internal.metrics.ExitCause.RESTART, cause, List.of(id));
    }

    /**
     * Log rotation: a daemon master reopens its own log (a command: the loop does it), and every connected worker
     * reopens the files it writes to by path (new workers open them anyway): its configured stdout/stderr, else,
     * in a daemon, the master's log it inherited.
     *
     * @param masterLog whether to ask for the master's own log too (an API call has reopened it already)
     * @return how many workers were asked; -1 when they write to a foreground master's stdout/stderr, which is
     *     not this pool's to reopen
     */
    int reopenOutput(String cause, boolean masterLog) {
        if (masterLog) {
            out.add(new Command.ReopenMasterLog(cause, workersHaveFiles()));
        }
        if (!workersHaveFiles()) {
            return -1;
        }
        Message reopen = new Message.ReopenOutput(pathOrNull(workersStdout), pathOrNull(workersStderr));
        int count = 0;
        for (WorkerJvm jvm : List.copyOf(core.live.values())) {
            if (jvm.connected) {
                core.send(jvm, reopen);
                count++;
            }
        }
        out.info("{}: {} worker(s) reopen {}", cause, count, (workersStdout == null ? "" : "stdout " + workersStdout)
                + (workersStdout != null && workersStderr != null ? " and " : "")
                + (workersStderr == null ? "" : "stderr " + workersStderr));
        return count;
    }

    boolean workersHaveFiles() {
        return workersStdout != null || workersStderr != null;
    }

    private static String pathOrNull(Path path) {
        return path == null ? null : path.toString();
    }
}
