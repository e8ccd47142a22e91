package io.workerpool.internal.worker;

import io.workerpool.Worker;

/**
 * Stop and interrupt requests, from the master's worker channel or from signals, which may arrive before
 * the worker exists or before its main() runs. A stop turns {@link Worker#isRunning()} false; an interrupt
 * also interrupts the main thread, once, and only while main() runs (arriving earlier, it lands as main()
 * starts), so onShutdown callbacks never see a stray interrupt. The interrupt reaches main() before
 * {@code isRunning()} turns false.
 */
final class StopRequests {
    private boolean stopRequested;
    private boolean interruptRequested;
    private boolean interruptDelivered;
    private Worker worker;
    private Runnable stopListener;
    private Thread mainThread;
    /** Null until the worker channel sets its gate: then interrupts run directly (no lambda on the boot path). */
    private java.util.function.Consumer<Runnable> interruptGate;

    /** Interrupts go through the gate: the worker channel's, so none lands on a thread that is sending. */
    synchronized void gateInterruptsThrough(java.util.function.Consumer<Runnable> gate) {
        this.interruptGate = gate;
    }

    /** Runs {@code action} on a stop request (at once if one came already): how a waiting spare wakes up. */
    void onStop(Runnable action) {
        boolean now;
        synchronized (this) {
            now = stopRequested;
            stopListener = action;
        }
        if (now) {
            action.run();
        }
    }

    synchronized void attach(Worker worker) {
        this.worker = worker;
        if (stopRequested) {
            worker.stop();
        }
    }

    void requestStop() {
        Worker target;
        Runnable listener;
        synchronized (this) {
            stopRequested = true;
            target = worker;
            listener = stopListener;
        }
        if (listener != null) {
            listener.run();
        }
        if (target != null) {
            target.stop(); // outside the lock: stop listeners are user-visible code paths
        }
    }

    /**
     * Interrupt first, then the graceful stop: a main() that loops on {@link Worker#isRunning()} between short
     * sleeps must see the interrupt, not only the flag turning false (it would end as if merely stopped).
     */
    void requestInterrupt() {
        synchronized (this) {
            interruptRequested = true;
            deliverInterrupt();
        }
        requestStop();
    }

    synchronized boolean interruptRequested() {
        return interruptRequested;
    }

    synchronized void enterMain(Thread thread) {
        mainThread = thread;
        deliverInterrupt();
    }

    synchronized void leaveMain() {
        mainThread = null;
        Thread.interrupted(); // an interrupt meant for main() must not leak into the shutdown callbacks
    }

    private void deliverInterrupt() {
        if (interruptRequested && !interruptDelivered && mainThread != null) {
            interruptDelivered = true;
            Thread thread = mainThread;
            if (interruptGate == null) {
                thread.interrupt();
            } else {
                interruptGate.accept(thread::interrupt);
            }
        }
    }
}
