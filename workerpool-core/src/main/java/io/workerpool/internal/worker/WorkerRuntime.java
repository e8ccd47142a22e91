package io.workerpool.internal.worker;

import io.workerpool.Callback;
import io.workerpool.Worker;
import io.workerpool.WorkerFactory;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.wire.ExitCodes;
import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.WorkerEnvironment;
import io.workerpool.internal.worker.logging.JulBootstrap;
import io.workerpool.internal.worker.logging.JulForwardingHandler;
import io.workerpool.internal.worker.logging.LogForwarding;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker side of {@code Supervisor.main()}: reach the master, build the worker with the factory, run
 * its onStart callbacks, its main() and its onShutdown callbacks, and end the JVM with the worker's status.
 *
 * <p>Exit statuses: 0 when main() returned, 1 when it threw, {@link ExitCodes#BOOT_ERROR} when the worker
 * could not be built or the master could not be reached, {@link ExitCodes#MASTER_GONE} when the master went
 * away while the worker ran.
 */
public final class WorkerRuntime {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Worker");

    private final WorkerEnvironment.Settings settings;
    private final long pid = currentPid();
    private final StopRequests stopRequests = new StopRequests();
    private MasterLink link;

    private WorkerRuntime(WorkerEnvironment.Settings settings) {
        this.settings = settings;
    }

    /** Runs this JVM as a worker and exits it; never returns. */
    public static void run(WorkerFactory factory, PoolConfig config) {
        WorkerEnvironment.Settings settings;
        try {
            settings = WorkerEnvironment.Settings.fromEnvironment(System.getenv());
        } catch (IllegalStateException e) {
            System.err.println("workerpool: this JVM has " + WorkerEnvironment.CHANNEL_SOCKET + " in its environment,"
                    + " which marks a worker JVM started by a workerpool master, but " + e.getMessage() + ": no master"
                    + " started it. Unset " + WorkerEnvironment.CHANNEL_SOCKET + " (and the other WORKERPOOL_"
                    + " variables) to run the program as a master.");
            Runtime.getRuntime().exit(ExitCodes.BOOT_ERROR);
            return;
        }
        Runtime.getRuntime().exit(new WorkerRuntime(settings).runWorker(factory));
    }

    private int runWorker(WorkerFactory factory) {
        try {
            link = MasterLink.connect(settings, pid, stopRequests);
        } catch (IOException e) {
            System.err.println("workerpool: worker " + settings.workerId() + " (pid " + pid + ") cannot reach its master"
                    + " through " + settings.channelSocket() + " (" + e.getMessage() + "). This JVM has the worker"
                    + " marker " + WorkerEnvironment.CHANNEL_SOCKET + " in its environment but no master answers:"
                    + " unset it to run the program as a master.");
            return ExitCodes.BOOT_ERROR;
        }
        if (!JulBootstrap.class.getName().equals(System.getProperty("java.util.logging.config.class"))) {
            // The program configures java.util.logging itself: forward from here on. Otherwise the LogManager
            // installs the handler through JulBootstrap whenever something first uses JUL, and a worker that
            // never does skips initialising it (some 45 JDK classes on the boot path).
            JulForwardingHandler.install();
        }
        WorkerSignals.install(stopRequests);
        ServerSocketChannel listenChannel = null;
        if (settings.handoffSocket() != null) {
            try {
                listenChannel = SharedSocket.receive(settings);
            } catch (IOException | RuntimeException e) {
                LOG.error("worker {} could not receive the pool's listening socket: {}", settings.workerId(),
                        e.toString(), e);
                return exit(ExitCodes.BOOT_ERROR);
            }
            if (listenChannel == null) {
                // the stop closed the master's socket while this JVM booted; the master stops it anyway
                LOG.info("the pool is stopping: this JVM exits before it runs a worker");
                return exit(ExitCodes.OK);
            }
        }

        if (settings.aotTraining()) {
            // The AOT cache's training run: booted as far as a worker gets before its factory. The native set-up
            // a worker defers is done now, so that its classes are in the cache too; the JVM writes the cache
            // as it exits.
            link.armParentDeathSignal();
            LOG.debug("AOT cache training run: booted, exiting to write the cache");
            return exit(ExitCodes.OK);
        }
        int id = settings.workerId();
        if (id < 0) {
            // A hot spare: warmed up to here; the factory and the worker's callbacks wait for an id. Loading
            // what the promotion path touches now keeps class loading out of the time between exit and onStart.
            SparePreload.warm();
            id = link.awaitAssignment();
            if (id < 0) {
                return exit(ExitCodes.OK);
            }
        }
        Worker worker;
        try {
            worker = factory.create(id);
            if (worker == null) {
                throw new IllegalStateException("the WorkerFactory returned null for id " + id);
            }
        } catch (Throwable t) {
            LOG.error("worker {} could not be created by its WorkerFactory: {}", id, describe(t), t);
            return exit(ExitCodes.BOOT_ERROR);
        }
        WorkerAccess access = WorkerAccess.get();
        if (listenChannel != null) {
            ServerSocketChannel channel = listenChannel;
            access.setListenChannel(worker, channel);
            // A thread blocked in accept() notices no flag: closing this JVM's copy of the socket wakes it.
            // The master's socket and the other workers' copies stay open, so nothing queued is lost.
            access.setStopListener(worker, () -> SharedSocket.closeQuietly(channel));
        }
        stopRequests.attach(worker);

        int status = ExitCodes.OK;
        if (runCallbacks(worker, "onStart", access.startCallbacks(worker))) {
            link.send(new Message.Started(System.nanoTime()));
            status = runMain(worker, access);
        } else {
            status = ExitCodes.MAIN_FAILED;
        }
        link.send(new Message.Stopping());
        restoreStreamsIfShared(listenChannel);
        runCallbacks(worker, "onShutdown", access.shutdownCallbacks(worker));
        restoreStreamsIfShared(listenChannel);
        return exit(status);
    }

    /** The throwable and its causes on one line: an ExceptionInInitializerError says nothing by itself. */
    static String describe(Throwable t) {
        StringBuilder line = new StringBuilder(t.toString());
        int depth = 0;
        for (Throwable cause = t.getCause(); cause != null && cause != t && depth < 5; cause = cause.getCause()) {
            line.append(", caused by ").append(cause);
            depth++;
        }
        return line.toString();
    }

    private static void restoreStreamsIfShared(ServerSocketChannel listenChannel) {
        if (listenChannel != null) {
            SharedSocket.restoreStandardStreams();
        }
    }

    private int runMain(Worker worker, WorkerAccess access) {
        stopRequests.enterMain(Thread.currentThread());
        try {
            access.runMain(worker);
            return ExitCodes.OK;
        } catch (InterruptedException e) {
            if (stopRequests.interruptRequested()) {
                LOG.debug("worker {} main() ended by the interrupt it was sent", worker.id());
                return ExitCodes.OK;
            }
            LOG.error("worker {} main() failed: {}", worker.id(), e.toString(), e);
            return ExitCodes.MAIN_FAILED;
        } catch (Throwable t) {
            LOG.error("worker {} main() failed: {}", worker.id(), t.toString(), t);
            return ExitCodes.MAIN_FAILED;
        } finally {
            stopRequests.leaveMain();
        }
    }

    /** Runs every callback, in order; returns false if one failed (the failure is logged). */
    private static boolean runCallbacks(Worker worker, String what, List<Callback> callbacks) {
        boolean allRan = true;
        for (Callback callback : callbacks) {
            try {
                callback.run();
            } catch (Throwable t) {
                LOG.error("worker {} {} callback failed: {}", worker.id(), what, t.toString(), t);
                allRan = false;
                if (what.equals("onStart")) {
                    break;
                }
            }
        }
        return allRan;
    }

    /**
     * This JVM's pid from /proc/self; ProcessHandle.current() would initialise ProcessHandleImpl and its reaper
     * executor (a dozen JDK classes outside the default CDS archive, tens of ms of CPU) on the start path.
     */
    private static long currentPid() {
        try {
            return Long.parseLong(java.nio.file.Files.readSymbolicLink(java.nio.file.Path.of("/proc/self")).toString());
        } catch (java.io.IOException | RuntimeException e) {
            return ProcessHandle.current().pid();
        }
    }

    private int exit(int status) {
        link.close();
        return status;
    }
}
