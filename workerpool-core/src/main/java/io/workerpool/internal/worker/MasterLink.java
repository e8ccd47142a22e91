package io.workerpool.internal.worker;

import io.workerpool.internal.wire.ExitCodes;
import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ProtocolException;
import io.workerpool.internal.wire.WorkerEnvironment;
import io.workerpool.internal.worker.logging.LogForwarding;
import io.workerpool.internal.worker.logging.LogSink;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.List;

/**
 * The worker's end of its worker channel: the hello, a reader thread for the master's requests, a
 * heartbeat thread, and the sink for forwarded log records. When the channel closes under a running
 * worker, the master is gone, and the worker halts at once: no worker outlives its master.
 */
final class MasterLink implements LogSink {
    private final WorkerEnvironment.Settings settings;
    private final long pid;
    private final FrameChannel channel;
    private final StopRequests stopRequests;
    private static final long PARENT_DEATH_SIGNAL_DELAY_MILLIS = 1000;
    private volatile boolean closing;
    /**
     * A hot spare's id, once the master gives it one; -1 when it is stopped first; {@link #UNASSIGNED} until
     * then. A monitor, not a CompletableFuture: that one initialises ForkJoinPool and a dozen more JDK classes
     * on every worker's boot path.
     */
    private final Object assignmentLock = new Object();
    private int assignment = UNASSIGNED; // guarded by assignmentLock
    private static final int UNASSIGNED = Integer.MIN_VALUE;

    private MasterLink(WorkerEnvironment.Settings settings, long pid, FrameChannel channel, StopRequests stopRequests) {
        this.settings = settings;
        this.pid = pid;
        this.channel = channel;
        this.stopRequests = stopRequests;
    }

    static MasterLink connect(WorkerEnvironment.Settings settings, long pid, StopRequests stopRequests)
            throws IOException {
        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            socket.connect(UnixDomainSocketAddress.of(settings.channelSocket()));
            FrameChannel channel = new FrameChannel(socket);
            channel.send(new Message.Hello(settings.workerId(), pid, settings.secret()));
            Message reply;
            Thread helloTimeout = closeUnlessAnswered(socket, helloTimeout(settings));
            try {
                reply = channel.receive();
            } catch (java.io.EOFException e) {
                throw new IOException("the master refused this worker (it is not the worker it started, or it was"
                        + " started too long ago)");
            } catch (java.nio.channels.AsynchronousCloseException e) {
                throw new IOException("nothing answered the hello within " + helloTimeout(settings).toSeconds()
                        + " s: no workerpool master listens there");
            } finally {
                helloTimeout.interrupt();
            }
            if (!(reply instanceof Message.Welcome welcome)) {
                throw new ProtocolException("expected a welcome from the master, got " + reply);
            }
            MasterLink link = new MasterLink(settings, pid, channel, stopRequests);
            stopRequests.gateInterruptsThrough(new SendGate(channel));
            LogForwarding.connect(link, welcome.rootLevel());
            link.startThreads();
            return link;
        } catch (IOException | RuntimeException e) {
            socket.close();
            throw e;
        }
    }

    /** A master answers a hello at once; a socket that doesn't is not a master's (an environment copied by mistake). */
    private static java.time.Duration helloTimeout(WorkerEnvironment.Settings settings) {
        java.time.Duration floor = java.time.Duration.ofSeconds(10);
        return settings.workerTimeout().compareTo(floor) > 0 ? settings.workerTimeout() : floor;
    }

    private static Thread closeUnlessAnswered(SocketChannel socket, java.time.Duration timeout) {
        return startDaemon("workerpool-hello-timeout", new Task(null, Task.HELLO_TIMEOUT, socket, timeout));
    }

    private void startThreads() {
        MeterSink.connected(channel); // issue 16: the workerpool-micrometer module sends its frames here
        startDaemon("workerpool-channel", new Task(this, Task.CHANNEL, null, null));
        startDaemon("workerpool-heartbeat", new Task(this, Task.HEARTBEAT, null, null));
    }

    /**
     * The link's threads' bodies as one named class, not lambdas or method references: each of those spins a
     * hidden class through {@code LambdaMetafactory} and the ClassFile API on first use, on every worker's boot
     * path (the JDK's own start-up code avoids them for the same reason).
     */
    private static final class Task implements Runnable {
        static final int HELLO_TIMEOUT = 0;
        static final int CHANNEL = 1;
        static final int HEARTBEAT = 2;

        private final MasterLink link;
        private final int kind;
        private final SocketChannel socket;
        private final java.time.Duration timeout;

        Task(MasterLink link, int kind, SocketChannel socket, java.time.Duration timeout) {
            this.link = link;
            this.kind = kind;
            this.socket = socket;
            this.timeout = timeout;
        }

        @Override
        public void run() {
            if (kind == CHANNEL) {
                link.readRequests();
            } else if (kind == HEARTBEAT) {
                link.beat();
            } else {
                try {
                    Thread.sleep(timeout);
                    socket.close();
                } catch (InterruptedException | IOException e) {
                    // answered in time, or closed anyway
                }
            }
        }
    }

    /** Interrupts go through the channel's gate, so none lands on a thread that is sending (no lambda: see Task). */
    private static final class SendGate implements java.util.function.Consumer<Runnable> {
        private final FrameChannel channel;

        SendGate(FrameChannel channel) {
            this.channel = channel;
        }

        @Override
        public void accept(Runnable interrupt) {
            channel.whileNotSending(interrupt);
        }
    }

    /** A plain Thread: Thread.ofPlatform() loads a few more JDK classes (not in the default CDS archive). */
    private static Thread startDaemon(String name, Runnable task) {
        Thread thread = new Thread(task, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void readRequests() {
        try {
            while (true) {
                // instanceof, not a pattern switch: a switch over types bootstraps through invokedynamic and
                // spins a class with the ClassFile API on first use, some 40 JDK classes on the boot path.
                Message message = channel.receive();
                if (message instanceof Message.Stop) {
                    stopRequests.requestStop();
                    assign(-1);
                } else if (message instanceof Message.Assign assign) {
                    assign(assign.workerId());
                } else if (message instanceof Message.Interrupt) {
                    stopRequests.requestInterrupt();
                } else if (message instanceof Message.LevelReply reply) {
                    LogForwarding.applyLevels(reply.levels());
                } else if (message instanceof Message.ReopenOutput reopen) {
                    OutputFiles.reopen(reopen.stdout(), reopen.stderr());
                }
            }
        } catch (IOException e) {
            masterGone(e);
        }
    }

    private void beat() {
        long intervalMillis = Math.max(10, settings.workerTimeout().toMillis() / 5);
        try {
            if (settings.parentDeathArmed()) {
                checkParent(); // armed by the master's setpriv before this JVM started: no FFM needed
            } else {
                // Armed a moment after start, not during it: the first native call costs a fresh JVM a few
                // hundred ms of CPU (FFM set-up), which would slow the worker's boot on a busy machine. Until
                // then the worker channel's EOF alone ends this worker if the master dies.
                Thread.sleep(Math.min(intervalMillis, PARENT_DEATH_SIGNAL_DELAY_MILLIS));
                armParentDeathSignal();
            }
            // Worker.alive() (opt-in): its own loop must have said so within the time between beats that the
            // master still accepts (workerTimeout less one interval), or this thread stays silent too.
            long aliveWindowNanos = Math.max(1, settings.workerTimeout().toNanos() - intervalMillis * 1_000_000L);
            JvmSampler sampler = null;
            while (!closing) {
                Thread.sleep(intervalMillis);
                if (!Liveness.silentFor(aliveWindowNanos, settings.workerId())) {
                    // issue 16: from the second heartbeat on, a JvmSample rides along; the first goes bare, so the
                    // sampler's class loading (java.lang.management) stays off the boot path.
                    channel.send(new Message.Heartbeat(sampler == null ? null : sampler.sampleOrNull()));
                    if (sampler == null) {
                        sampler = new JvmSampler();
                    }
                }
            }
        } catch (IOException | InterruptedException e) {
            // the reader sees the same closed channel and decides
        }
    }

    /**
     * Asks the kernel to SIGKILL this JVM when the master dies, in case the channel's EOF can't be acted on
     * (say the JVM is stuck in a GC spiral). Armed off the main path, since FFM costs start-up time; the
     * master may already be gone by then, so the parent is checked right after.
     */
    void armParentDeathSignal() {
        if (settings.parentDeathArmed()) {
            checkParent();
            return;
        }
        try {
            Posix.setParentDeathSignal(Posix.SIGKILL);
            if (Posix.getppid() != settings.masterPid()) {
                masterGone(new IOException("the parent is no longer the master (pid " + settings.masterPid() + ")"));
            }
        } catch (PosixException | UnsupportedOperationException | LinkageError e) {
            // The worker channel's EOF still ends this worker when the master dies.
        }
    }

    /** The master may have died before the signal was armed: then no signal comes, and the parent is another. */
    private void checkParent() {
        long parent = parentPid();
        if (parent >= 0 && parent != settings.masterPid()) {
            masterGone(new IOException("the parent is no longer the master (pid " + settings.masterPid() + ")"));
        }
    }

    /** The parent's pid from /proc/self/stat (the field after the state), or -1 when it can't be read. */
    private static long parentPid() {
        try {
            String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/self/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3);
            return Long.parseLong(fields[1]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    private void masterGone(IOException cause) {
        if (closing) {
            return;
        }
        System.err.println("workerpool: worker " + settings.workerId() + " (pid " + pid + "): the master went away ("
                + cause.getMessage() + "); exiting now");
        Runtime.getRuntime().halt(ExitCodes.MASTER_GONE);
    }

    /** Sends, or drops when the master is gone: the reader thread deals with a dead channel. */
    void send(Message message) {
        LogForwarding.flush(); // records logged before this message arrive before it
        try {
            channel.send(message);
        } catch (IOException ignored) {
            // the master is gone; the reader thread halts the worker
        }
    }

    @Override
    public void send(ForwardedLogRecord record) throws IOException {
        channel.send(new Message.Log(record));
    }

    @Override
    public void sendBatch(List<ForwardedLogRecord> records) throws IOException {
        channel.send(new Message.LogBatch(records));
    }

    @Override
    public void queryLevels(List<String> loggerNames) throws IOException {
        channel.send(new Message.LevelQuery(loggerNames));
    }

    /** In a hot spare: waits for the master to give this JVM a worker id; -1 when it is stopped instead. */
    int awaitAssignment() {
        stopRequests.onStop(new Runnable() { // a class, not a lambda: see Task
            @Override
            public void run() {
                assign(-1);
            }
        });
        boolean interrupted = false;
        try {
            synchronized (assignmentLock) {
                while (assignment == UNASSIGNED) {
                    try {
                        assignmentLock.wait();
                    } catch (InterruptedException e) {
                        interrupted = true; // as join() did: wait on, keep the status
                    }
                }
                return assignment;
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The first answer wins, as with a future: an id, or -1 for a stop. */
    private void assign(int id) {
        synchronized (assignmentLock) {
            if (assignment == UNASSIGNED) {
                assignment = id;
                assignmentLock.notifyAll();
            }
        }
    }

    void close() {
        LogForwarding.flush();
        closing = true;
        try {
            channel.close();
        } catch (IOException ignored) {
            // exiting anyway
        }
    }
}
