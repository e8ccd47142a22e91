package io.workerpool.internal.master;

import io.workerpool.internal.core.PoolObserver;
import io.workerpool.internal.metrics.ExitCause;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans pool news out to every observer; one that throws is logged and does not stop the others or the pool. */
final class Observers implements PoolObserver {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final List<PoolObserver> observers;

    private Observers(List<PoolObserver> observers) {
        this.observers = observers;
    }

    static PoolObserver of(List<PoolObserver> observers) {
        return new Observers(List.copyOf(observers));
    }

    // ---- issue 15 (upgrade) hook: news for observers that come later (a new master's metrics, at its takeover)
    static Observers later() {
        return new Observers(new java.util.concurrent.CopyOnWriteArrayList<>());
    }

    void add(PoolObserver observer) {
        observers.add(observer);
    }
    // ---- end of issue 15 hook ----

    private void each(Consumer<PoolObserver> call) {
        for (PoolObserver observer : observers) {
            try {
                call.accept(observer);
            } catch (RuntimeException e) {
                LOG.warn("pool observer {} failed: {}", observer, e.toString());
            }
        }
    }

    @Override public void poolReady(int workers) { each(o -> o.poolReady(workers)); }

    @Override public void workerStarted(int id, long pid, long startMillis) {
        each(o -> o.workerStarted(id, pid, startMillis));
    }

    @Override public void workerExited(int id, long pid, int status, ExitCause cause) {
        each(o -> o.workerExited(id, pid, status, cause));
    }

    @Override public void workerRestarting(int id) { each(o -> o.workerRestarting(id)); }

    @Override public void workerRecycling(int id, String cause) { each(o -> o.workerRecycling(id, cause)); }

    @Override public void replacementEnded(String kind, String result) {
        each(o -> o.replacementEnded(kind, result));
    }

    @Override public void workerKilledAsStale(int id, long pid) { each(o -> o.workerKilledAsStale(id, pid)); }

    @Override public void reloadStarted(String cause) { each(o -> o.reloadStarted(cause)); }

    @Override public void reloadFinished(String result) { each(o -> o.reloadFinished(result)); }

    @Override public void poolStopping(String cause) { each(o -> o.poolStopping(cause)); }

    @Override public void status(String line) { each(o -> o.status(line)); }

    @Override public void tick() { each(PoolObserver::tick); }
}
