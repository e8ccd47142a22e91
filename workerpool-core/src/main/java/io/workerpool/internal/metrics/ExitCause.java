package io.workerpool.internal.metrics;

/**
 * Why a worker JVM exited, as the master sees it: the {@code cause} label of {@code workerpool_exits_total}.
 * The master's own requests (stop, reload, restart, recycle, remove, and its kills) win over the exit status.
 */
public enum ExitCause {
    /** Exited by itself with a status: main() returned or threw, or System.exit. */
    EXIT("exit"),
    /** Killed by a signal the master did not send: a crash, the OOM killer, someone's kill -9. */
    SIGNAL("signal"),
    /** Could not be built or reach the master (exit status 3): a configuration error. */
    BOOT_ERROR("boot_error"),
    /** Killed by the master: no heartbeat within workerTimeout, or not ready in time as a reload's successor. */
    STALE("stale"),
    /** Killed by the master for breaking the worker-channel protocol. */
    PROTOCOL_ERROR("protocol_error"),
    /** Asked to stop because the pool stopped. */
    STOP("stop"),
    /** Replaced by a rolling reload. */
    RELOAD("reload"),
    /** Replaced by a restart of its id (the restart command, restartWorker). */
    RESTART("restart"),
    /** Replaced by recycling (maxWorkerAge, maxWorkerRss). */
    RECYCLE("recycle"),
    /** Taken out of the pool (removeWorker, scaling down). */
    REMOVE("remove");

    private final String label;

    ExitCause(String label) {
        this.label = label;
    }

    /** The label value: lower case, as Prometheus labels go. */
    public String label() {
        return label;
    }

    /** The cause of an exit the master did not ask for, from the JVM's exit status (128+N: signal N). */
    public static ExitCause ofStatus(int status) {
        if (status == io.workerpool.internal.wire.ExitCodes.BOOT_ERROR) {
            return BOOT_ERROR;
        }
        return status > 128 && status < 128 + 65 ? SIGNAL : EXIT;
    }
}
