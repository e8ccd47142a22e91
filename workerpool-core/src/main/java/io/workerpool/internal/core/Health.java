package io.workerpool.internal.core;

import io.workerpool.internal.metrics.ExitCause;
import io.workerpool.internal.metrics.PssRecycling;
import io.workerpool.internal.posix.Posix;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The core's decisions on the periodic check: a JVM silent for longer than workerTimeout is killed (after a thread
 * dump), and a worker past its age or memory limit is recycled through the reload's ready-gated replacement. Part
 * of {@link PoolCore}; what it reads of the JVMs comes in the {@link PoolEvent.Tick}.
 */
final class Health {
    private static final Duration DUMP_GRACE = Duration.ofMillis(500);
    /**
     * The least time a JVM gets from its spawn to its first frame, and a successor to report ready, whatever
     * workerTimeout says: a JVM's boot takes seconds on a loaded machine, and a short workerTimeout (set to catch
     * frozen workers fast) must not kill a JVM that is only slow to start, then its replacement, and so on.
     */
    static final Duration BOOT_ALLOWANCE = Duration.ofSeconds(10);

    private final PoolCore core;
    private final Command.Outbox out;

    Health(PoolCore core) {
        this.core = core;
        this.out = core.out;
    }

    void killSilentWorkers(Map<Long, PoolEvent.Reading> readings) {
        long timeoutNanos = core.config.workerTimeout().toNanos();
        long bootNanos = bootTimeout(core.config.workerTimeout()).toNanos();
        for (WorkerJvm jvm : List.copyOf(core.live.values())) {
            if (jvm.killPending || jvm.state == SlotState.STOPPING || jvm.isTraining()) {
                continue; // the training JVM has its own deadline: it is silent while the JDK writes the cache
            }
            long silence = jvm.silenceNanos(core.now, reading(readings, jvm).lastSeenNanos());
            if (silence > (jvm.connected ? timeoutNanos : bootNanos)) {
                out.warn("{} sent no heartbeat for {} ms ({}): frozen, stopped or starved?"
                        + " sending SIGQUIT for a thread dump in its stderr, then SIGKILL", jvm,
                        silence / 1_000_000, jvm.connected ? "workerTimeout " + timeoutNanos / 1_000_000 + " ms"
                                : "since its spawn; a booting JVM gets " + bootNanos / 1_000_000 + " ms");
                jvm.killPending = true;
                jvm.stopCause = ExitCause.STALE;
                int id = jvm.id();
                long pid = jvm.pid();
                out.notify(o -> o.workerKilledAsStale(id, pid));
                out.add(new Command.Signal(jvm.generation, Posix.SIGQUIT));
                out.arm(DUMP_GRACE, new PoolEvent.KillDue(jvm.id(), jvm.generation, null, false));
            }
        }
    }

    /** How long a JVM may take from its spawn to its first frame, or a successor to report ready. */
    static Duration bootTimeout(Duration workerTimeout) {
        return workerTimeout.compareTo(BOOT_ALLOWANCE) >= 0 ? workerTimeout : BOOT_ALLOWANCE;
    }

    private static PoolEvent.Reading reading(Map<Long, PoolEvent.Reading> readings, WorkerJvm jvm) {
        return readings.getOrDefault(jvm.generation, PoolEvent.Reading.NONE);
    }

    /**
     * Recycling (maxWorkerAge, maxWorkerRss, maxWorkerPss): one worker at a time, through the reload's
     * ready-gated path, and only while no reload runs.
     */
    void recycleOldOrLargeWorkers(Map<Long, PoolEvent.Reading> readings) {
        var config = core.config;
        if (core.state != PoolState.RUNNING || core.reload.isRunning()
                || config.maxWorkerAge() == null && config.maxWorkerRssBytes() == 0
                && config.maxWorkerPssBytes() == 0) {
            return;
        }
        long now = core.now;
        for (WorkerSlot slot : core.slots.values()) {
            if (!(slot.phase() instanceof WorkerSlot.Phase.Serving(WorkerJvm jvm)) || jvm.state != SlotState.RUNNING) {
                continue;
            }
            String cause = null;
            String kind = "age";
            if (config.maxWorkerAge() != null) {
                long limit = (long) (config.maxWorkerAge().toNanos() * (1 + jvm.ageJitter));
                if (now - jvm.spawnedNanos > limit) {
                    cause = "age " + PoolCore.formatMillis((now - jvm.spawnedNanos) / 1_000_000)
                            + " passed maxWorkerAge " + PoolCore.formatMillis(config.maxWorkerAge().toMillis())
                            + " (+" + Math.round(jvm.ageJitter * 100) + "% jitter)";
                }
            }
            if (cause == null && config.maxWorkerRssBytes() > 0) {
                long rss = reading(readings, jvm).rssBytes();
                if (rss > config.maxWorkerRssBytes()) {
                    kind = "rss";
                    cause = "RSS " + rss / (1024 * 1024) + " MB passed maxWorkerRss "
                            + config.maxWorkerRssBytes() / (1024 * 1024) + " MB";
                }
            }
            if (cause == null && config.maxWorkerPssBytes() > 0) { // issue 16 hook: the PSS decision
                cause = PssRecycling.reason(reading(readings, jvm).sample(), config.maxWorkerPssBytes());
                kind = cause == null ? kind : "pss";
            }
            if (cause != null) {
                slot.recycles++;
                out.info("{}: recycling it (recycle #{} of this id): {}", jvm, slot.recycles, cause);
                String k = kind;
                out.notify(o -> o.workerRecycling(slot.id, k));
                core.reload.start(ExitCause.RECYCLE, "recycle of worker " + slot.id + ": " + cause, List.of(slot.id));
                return;
            }
        }
    }
}
