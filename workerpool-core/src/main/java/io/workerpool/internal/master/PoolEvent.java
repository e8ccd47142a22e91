package io.workerpool.internal.master;

import io.workerpool.internal.wire.Message;
import io.workerpool.internal.channel.WorkerConnection;

/**
 * Everything that can change the pool's state arrives as one of these on the master's single event queue,
 * as in gunicorn's arbiter: signal handlers, process-exit callbacks, control-channel readers, timers and
 * API calls only enqueue; the loop thread alone acts. Worker events carry the slot's generation so that a
 * late event about a replaced JVM is recognised and ignored.
 */
public sealed interface PoolEvent {
    record WorkerExited(int workerId, long generation, int status) implements PoolEvent {
    }

    record WorkerConnected(int workerId, long generation, LoopPorts.WorkerChannel connection) implements PoolEvent {
        public WorkerConnected(int workerId, long generation, WorkerConnection connection) {
            this(workerId, generation, LoopPorts.WorkerChannel.of(connection));
        }
    }

    record WorkerSaid(int workerId, long generation, Message message) implements PoolEvent {
    }

    /** The control channel closed or broke; {@code protocolError} is null for a plain EOF. */
    record WorkerDisconnected(int workerId, long generation, String protocolError) implements PoolEvent {
    }

    /** The worker did something no worker of this library does (see {@code WorkerChannelServer.blame}): kill it. */
    record WorkerMisbehaved(int workerId, long generation, String what) implements PoolEvent {
    }

    record RestartDue(int workerId, long restartToken) implements PoolEvent {
    }

    /**
     * The worker was asked to stop (or got SIGQUIT for a dump, or had to become ready) and its time is up:
     * SIGKILL, unless {@code onlyIfNotReady} and it has reported ready meanwhile.
     */
    record KillDue(int workerId, long generation, String reason, boolean onlyIfNotReady) implements PoolEvent {
    }

    record Tick() implements PoolEvent {
    }

    record StopRequested(boolean interrupt, String cause) implements PoolEvent {
    }

    /** HUP, TTIN, TTOU, USR1: operations, not stops. */
    record OperationSignal(String name) implements PoolEvent {
    }

    record StopDeadline() implements PoolEvent {
    }

    /**
     * Work to run on the loop thread for an API call from another thread; {@code refuse} tells its caller the
     * loop ended before it could run, so that no caller waits forever.
     */
    record Call(Runnable action, Runnable refuse) implements PoolEvent {
    }
}
