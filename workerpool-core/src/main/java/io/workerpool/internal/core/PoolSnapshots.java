package io.workerpool.internal.core;

import io.workerpool.internal.metrics.PoolSnapshot;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Takes a {@link PoolSnapshot} of the core's slots, on the loop thread, for the HTTP threads to read. */
final class PoolSnapshots {
    private PoolSnapshots() {
    }

    static PoolSnapshot take(PoolState state, Collection<WorkerSlot> slots, int spares, double readyShare, long now,
                             PoolCore.Readings readings) {
        List<PoolSnapshot.WorkerSample> samples = new ArrayList<>(slots.size());
        int workers = 0;
        int running = 0;
        for (WorkerSlot slot : slots) {
            SlotState slotState = slot.state();
            WorkerJvm jvm = slot.active();
            samples.add(new PoolSnapshot.WorkerSample(slot.id, slotState.name(),
                    jvm == null ? -1 : jvm.silenceNanos(now, readings.lastSeenNanos(jvm.generation))));
            if (slot.removal() == null) {
                workers++;
                if (slotState == SlotState.RUNNING) {
                    running++;
                }
            }
        }
        return new PoolSnapshot(state.name(), now, workers, running, PoolSnapshot.needed(workers, readyShare),
                samples, spares);
    }
}
