package io.workerpool.internal.core;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Hot spare worker JVMs: started, connected and warmed (classes loaded, shared socket received) but not yet
 * given an id, so the factory and the worker's callbacks have not run. When a worker exits, a spare that is
 * ready takes its id at once, which skips the JVM start; a new spare is started in the background. Spares
 * are numbered -1, -2, ... Refilled by the reconcile at start, on every check and after a promotion (not after a
 * spare's own exit or failed start, so that a spare that cannot start is tried once per check, not in a loop).
 * Owned by the pool's loop thread.
 */
final class HotSpares {
    private final int wanted;
    private final Map<Long, WorkerJvm> spares = new LinkedHashMap<>();
    private int nextNumber;
    private boolean due;

    HotSpares(int wanted) {
        this.wanted = wanted;
    }

    /** The next reconcile refills the spares. */
    void due() {
        due = true;
    }

    /** Whether the reconcile should start one more spare now. */
    boolean wantsMore() {
        if (due && spares.size() < wanted) {
            return true;
        }
        due = false;
        return false;
    }

    int nextNumber() {
        return ++nextNumber;
    }

    void add(WorkerJvm jvm) {
        spares.put(jvm.generation, jvm);
    }

    boolean hasReady() {
        return spares.values().stream().anyMatch(HotSpares::ready);
    }

    private static boolean ready(WorkerJvm jvm) {
        return jvm.connected && !jvm.killPending && jvm.state != SlotState.STOPPING;
    }

    /** A connected spare, taken out of the pool of spares; null when none is ready. */
    WorkerJvm takeReady() {
        for (Iterator<WorkerJvm> it = spares.values().iterator(); it.hasNext(); ) {
            WorkerJvm jvm = it.next();
            if (ready(jvm)) {
                it.remove();
                return jvm;
            }
        }
        return null;
    }

    /** It could not be started: the next check tries again. */
    void spawnFailed(WorkerJvm jvm) {
        spares.remove(jvm.generation);
        due = false;
    }

    /** True when it was a spare that exited by itself (not asked to stop): worth a warning. */
    boolean exited(WorkerJvm jvm) {
        return spares.remove(jvm.generation) != null && jvm.state != SlotState.STOPPING;
    }

    List<WorkerJvm> all() {
        return new ArrayList<>(spares.values());
    }

    int wanted() {
        return wanted;
    }
}
