package io.workerpool;

import io.workerpool.internal.worker.WorkerAccess;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The user's work, run in a worker JVM. Subclass it, implement {@link #main()}, and hand a
 * {@link WorkerFactory} for it to {@link Supervisor#builder(WorkerFactory)}.
 *
 * <p>Lifecycle in the worker JVM: the factory creates the worker, the {@link #onStart} callbacks run in
 * registration order, {@link #main()} runs on the worker's main thread, then the {@link #onShutdown}
 * callbacks run (whether {@code main} returned or threw). {@code main} returning ends the worker with
 * exit status 0, throwing ends it with status 1 and the exception is logged in the master.
 *
 * <p>A graceful stop (SIGTERM to the master, {@link Supervisor#terminate()}, {@link Supervisor#removeWorker})
 * turns {@link #isRunning()} false: a well-behaved {@code main} checks it and returns. An interrupt
 * (SIGINT, Ctrl-C, {@link Supervisor#interrupt()}) also interrupts the main thread, once.
 */
public abstract class Worker {
    private static final Logger LOGGER = LoggerFactory.getLogger("io.workerpool.Worker");

    static {
        WorkerAccess.install(new WorkerAccess() {
            @Override public List<Callback> startCallbacks(Worker worker) { return worker.startCallbacks; }
            @Override public List<Callback> shutdownCallbacks(Worker worker) { return worker.shutdownCallbacks; }
            @Override public void runMain(Worker worker) throws Exception { worker.main(); }
            @Override public void setListenChannel(Worker worker, ServerSocketChannel channel) {
                worker.listenChannel = channel;
            }
            @Override public void setStopListener(Worker worker, Runnable listener) { worker.stopListener = listener; }
        });
    }

    private final int id;
    private final List<Callback> startCallbacks = new CopyOnWriteArrayList<>();
    private final List<Callback> shutdownCallbacks = new CopyOnWriteArrayList<>();
    private volatile boolean running = true;
    private volatile ServerSocketChannel listenChannel;
    private volatile Runnable stopListener;

    /** @param id this worker's id in the pool, as given to the {@link WorkerFactory} */
    protected Worker(int id) {
        this.id = id;
    }

    /** This worker's id in the pool (0..N-1 by default). */
    public final int id() {
        return id;
    }

    /** True until a graceful stop is requested; {@link #main()} should return soon after it turns false. */
    public final boolean isRunning() {
        return running;
    }

    /** Registers a callback run in the worker process before {@link #main()}, in registration order. */
    public final void onStart(Callback cb) {
        startCallbacks.add(requireCallback(cb));
    }

    /** Registers a callback run in the worker process after {@link #main()} returned or threw. */
    public final void onShutdown(Callback cb) {
        shutdownCallbacks.add(requireCallback(cb));
    }

    /** Requests a graceful stop of this worker: {@link #isRunning()} turns false. Idempotent. */
    public final void stop() {
        if (!running) {
            return;
        }
        running = false;
        Runnable listener = stopListener;
        if (listener != null) {
            listener.run();
        }
    }

    /**
     * Opt-in liveness from the worker's own loop, like systemd's {@code WATCHDOG=1} sent from application code.
     * Without it, a library thread sends the worker's heartbeats, so the master's {@code workerTimeout} catches a
     * frozen or stopped JVM but not a worker whose own code hangs (a deadlocked {@code main()}). Once a worker has
     * called this, its heartbeats stop whenever it has not called it again for about {@code workerTimeout}: the
     * master then treats the worker as stale, with the usual thread dump into its stderr (SIGQUIT) before the
     * kill and the restart. Call it from the loop that does the work, at least a few times per
     * {@code workerTimeout}; it costs one volatile write. Does nothing outside a pool.
     */
    public final void alive() {
        io.workerpool.internal.worker.Liveness.alive();
    }

    /** The worker's work, run on the worker JVM's main thread. Return when {@link #isRunning()} is false. */
    protected abstract void main() throws Exception;

    /**
     * The pool's shared listening socket: the same kernel socket the master bound, as a plain channel
     * that any Java server accepting a {@link ServerSocketChannel} can use. It comes in blocking mode; the
     * worker may switch it. When the worker is asked to stop, the library closes this worker's copy, so that
     * a thread blocked in {@code accept()} returns (with an {@link java.nio.channels.AsynchronousCloseException}
     * or {@link java.nio.channels.ClosedChannelException}); the master's socket and the other workers' copies
     * stay open, so connections waiting in the shared queue are taken by the others.
     *
     * @throws IllegalStateException when the pool was built without {@code listen(...)}
     */
    public final ServerSocketChannel listenChannel() {
        ServerSocketChannel channel = listenChannel;
        if (channel == null) {
            // The setting as the user knows it: the CLI passes "--listen" (issue 17)
            throw new IllegalStateException("worker " + id + " has no listening socket: the pool was built without "
                    + System.getProperty("workerpool.listenSetting", "Supervisor.Builder.listen(address)")
                    + "; add it to share a socket among the workers");
        }
        return channel;
    }

    /** The logger named {@code io.workerpool.Worker}; in a worker its records are forwarded to the master. */
    protected final Logger logger() {
        return LOGGER;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[id=" + id + (running ? ", running" : ", stopping") + "]";
    }

    private static Callback requireCallback(Callback cb) {
        if (cb == null) {
            throw new NullPointerException("callback must not be null");
        }
        return cb;
    }
}
