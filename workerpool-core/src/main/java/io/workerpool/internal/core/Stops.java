package io.workerpool.internal.core;

import io.workerpool.internal.metrics.ExitCause;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.wire.Message;
import java.time.Duration;
import java.util.List;

/**
 * The core's decisions about ending JVMs: the pool's stop (graceful, then SIGKILL at its deadline, at once on a
 * second request), one JVM's graceful stop with its deadline, and the kills (a deadline passed, a protocol broken, a
 * worker misbehaving). Part of {@link PoolCore}.
 */
final class Stops {
    private final PoolCore core;
    private final Command.Outbox out;
    private Duration stopTimeout;
    private boolean stopEscalated;

    Stops(PoolCore core) {
        this.core = core;
        this.out = core.out;
        this.stopTimeout = core.config.stopTimeout();
    }

    /** The stop budget of each worker: the configured one, or the one of the stop under way. */
    Duration stopTimeout() {
        return stopTimeout;
    }

    void requestPoolStop(boolean interrupt, String cause, Duration timeout) {
        switch (core.state) {
            case STARTING, RUNNING -> {
                core.state = PoolState.STOPPING;
                stopTimeout = timeout;
                out.notify(o -> o.poolStopping(cause));
                core.reload.abort("the pool is stopping");
                out.info("pool stopping ({}): {} workers, stopTimeout {} ms", cause,
                        interrupt ? "interrupting" : "stopping", timeout.toMillis());
                eachJvm(jvm -> requestStop(jvm, interrupt));
                out.arm(timeout, new PoolEvent.StopDeadline());
            }
            case STOPPING -> {
                if (!stopEscalated) {
                    stopEscalated = true;
                    out.warn("pool stopping: {} again, killing the remaining workers now", cause);
                    eachJvm(this::kill);
                }
            }
            default -> { }
        }
    }

    void onStopDeadline() {
        eachJvm(jvm -> {
            if (!jvm.killPending) {
                out.warn("{} still running {} ms after it was asked to stop: SIGKILL", jvm, stopTimeout.toMillis());
                kill(jvm);
            }
        });
    }

    private void eachJvm(java.util.function.Consumer<WorkerJvm> action) {
        List.copyOf(core.live.values()).forEach(action);
    }

    /** Asks one JVM to stop gracefully; it is SIGKILLed if it is still there after stopTimeout. */
    void stopGracefully(WorkerJvm jvm, ExitCause cause, String why) {
        out.info("{}: {}, stopping it gracefully", jvm, why);
        if (jvm.stopCause == null) {
            jvm.stopCause = cause;
        }
        requestStop(jvm, false);
        out.arm(stopTimeout, new PoolEvent.KillDue(jvm.id(), jvm.generation,
                "still running " + stopTimeout.toMillis() + " ms after it was asked to stop", false));
    }

    private void requestStop(WorkerJvm jvm, boolean interrupt) {
        jvm.state = SlotState.STOPPING;
        if (jvm.stopCause == null) {
            jvm.stopCause = ExitCause.STOP;
        }
        if (jvm.isTraining()) {
            // A stop must not wait for the JDK to write the cache (seconds of CPU): the next start trains again.
            kill(jvm);
            return;
        }
        if (jvm.connected) {
            core.send(jvm, interrupt ? new Message.Interrupt() : new Message.Stop());
        } else {
            // Not connected yet, so its handlers may not be in place: SIGTERM (or SIGINT) does the same.
            out.add(new Command.Signal(jvm.generation, interrupt ? Posix.SIGINT : Posix.SIGTERM));
        }
    }

    void onKillDue(PoolEvent.KillDue e) {
        WorkerJvm jvm = core.live.get(e.generation());
        if (jvm == null || e.onlyIfNotReady() && jvm.state != SlotState.STARTING) {
            return;
        }
        if (e.reason() != null) {
            out.warn("{} {}: SIGKILL", jvm, e.reason());
        }
        if (jvm.stopCause == null) {
            jvm.stopCause = ExitCause.STALE; // a successor that did not report ready in time
        }
        kill(jvm);
    }

    void onMisbehaved(PoolEvent.WorkerMisbehaved e) {
        WorkerJvm jvm = core.live.get(e.generation());
        if (jvm == null || jvm.killPending) {
            return;
        }
        out.error("{} {}: killing it", jvm, e.what());
        kill(jvm);
    }

    void kill(WorkerJvm jvm) {
        jvm.killPending = true;
        // The training JVM's descendant, forked by the JDK to assemble the cache, would outlive it, still writing.
        out.add(new Command.Kill(jvm.generation, jvm.isTraining()));
    }
}
