package io.workerpool.internal.core;

import io.workerpool.internal.wire.Message;

/**
 * The core's decisions about what a worker JVM says on its channel: its hello (connected), "started" (a replacement's
 * ready gate, the pool's readiness), "stopping", and the end of its channel (a broken protocol is a kill). Part of
 * {@link PoolCore}.
 */
final class WorkerNews {
    private final PoolCore core;
    private final Command.Outbox out;
    private boolean readyAnnounced;

    WorkerNews(PoolCore core) {
        this.core = core;
        this.out = core.out;
    }

    void onConnected(PoolEvent.WorkerConnected e) {
        WorkerJvm jvm = core.live.get(e.generation());
        if (jvm == null) {
            out.add(new Command.CloseChannel(e.connection()));
            return;
        }
        jvm.connected = true;
        out.add(new Command.CheckAotCache(jvm));
        if (jvm.isSpare()) {
            out.debug("{}: warmed, ready to take over", jvm);
        }
        if (jvm.state == SlotState.STOPPING) {
            core.send(jvm, new Message.Stop());
        }
    }

    void onSaid(PoolEvent.WorkerSaid e) {
        WorkerJvm jvm = core.live.get(e.generation());
        if (jvm == null) {
            return;
        }
        switch (e.message()) {
            case Message.Started ignored -> {
                // From when it was sent (or read): the time it then waited for a busy loop is not the worker's.
                // Never before the JVM was asked to start: a worker's claim is bounded by what the master knows.
                jvm.startedNanos = Math.max(jvm.assignedNanos, PoolEvent.happened(e.atNanos(), core.now));
                if (jvm.state == SlotState.STARTING) {
                    jvm.state = SlotState.RUNNING;
                }
                // A promoted spare counts from its promotion: its spawn was long before it was asked to start.
                long startMillis = (jvm.startedNanos - jvm.assignedNanos) / 1_000_000;
                out.info("{} started in {} ms{}", jvm, startMillis,
                        jvm.assignedNanos != jvm.spawnedNanos ? " after a spare took the id" : "");
                int id = jvm.id();
                long pid = jvm.pid();
                out.notify(o -> o.workerStarted(id, pid, startMillis));
                WorkerSlot slot = core.slots.get(id);
                announceReadyOnce();
                if (slot != null && jvm == slot.successor()) {
                    core.reload.successorReady(slot);
                }
            }
            // Only the master's own stop request makes a JVM STOPPING: a worker whose main() ended by
            // itself is restarted when it exits.
            case Message.Stopping ignored -> out.debug("{}: main() ended, running its shutdown callbacks", jvm);
            default -> out.debug("{}: unexpected {}", jvm, e.message());
        }
    }

    private void announceReadyOnce() {
        if (!readyAnnounced && core.state == PoolState.RUNNING
                && core.slots.values().stream().allMatch(s -> s.state() == SlotState.RUNNING)) {
            readyAnnounced = true;
            int count = core.slots.size();
            out.info("pool ready: {} running", PoolCore.workers(count));
            out.notify(o -> o.poolReady(count));
            out.notify(o -> o.status(PoolCore.workers(count) + " running"));
        }
    }

    void onDisconnected(PoolEvent.WorkerDisconnected e) {
        WorkerJvm jvm = core.live.get(e.generation());
        if (jvm == null) {
            return;
        }
        if (jvm.connected) {
            jvm.bootError = e.bootError(); // read to its end: the record is in if it was sent
        }
        jvm.connected = false;
        if (e.protocolError() != null) {
            out.error("{} broke the worker-channel protocol ({}): killing it", jvm, e.protocolError());
            jvm.stopCause = io.workerpool.internal.metrics.ExitCause.PROTOCOL_ERROR;
            core.stops.kill(jvm);
        }
        // A plain EOF means the worker is exiting: its exit event follows. If it lingers, silence kills it.
    }
}
