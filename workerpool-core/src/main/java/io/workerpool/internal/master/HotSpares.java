package io.workerpool.internal.master;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hot spare worker JVMs: started, connected and warmed (classes loaded, shared socket received) but not yet
 * given an id, so the factory and the worker's callbacks have not run. When a worker exits, a spare that is
 * ready takes its id at once, which skips the JVM start; a new spare is started in the background. Spares
 * have negative placeholder ids (-1, -2, ...). Owned by the pool's loop thread.
 */
final class HotSpares {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final int wanted;
    private final IntFunction<WorkerJvm> spawner;
    private final Map<Long, WorkerJvm> spares = new LinkedHashMap<>();
    private int nextPlaceholder;

    HotSpares(int wanted, IntFunction<WorkerJvm> spawner) {
        this.wanted = wanted;
        this.spawner = spawner;
    }

    /** Starts spares until there are as many as wanted; called at start and on every check tick. */
    void fill() {
        while (spares.size() < wanted) {
            WorkerJvm jvm = spawner.apply(-(++nextPlaceholder));
            if (jvm == null) {
                return; // could not start a JVM: the next tick tries again
            }
            spares.put(jvm.generation, jvm);
        }
    }

    boolean hasReady() {
        return spares.values().stream().anyMatch(HotSpares::ready);
    }

    private static boolean ready(WorkerJvm jvm) {
        return jvm.connection != null && !jvm.killPending && jvm.state != SlotState.STOPPING;
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

    void exited(WorkerJvm jvm, String how) {
        if (spares.remove(jvm.generation) != null && jvm.state != SlotState.STOPPING) {
            LOG.warn("{} exited ({}); another will be started on the next check", jvm, how);
        }
    }

    List<WorkerJvm> all() {
        return new ArrayList<>(spares.values());
    }

    int wanted() {
        return wanted;
    }
}
