package io.workerpool.internal.master;

import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.wire.ExitCodes;
import io.workerpool.internal.wire.Message;
import java.io.IOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import io.workerpool.internal.launch.WorkerCommand;

/**
 * The world around the {@link Arbiter} in a deterministic simulation: a simulated clock, simulated worker JVMs
 * (which boot, fail to boot, hang before their hello, crash, freeze, ignore a stop, and handle stop and interrupt
 * as the worker side does), and the loop's queue, from which events of different sources are taken in a random
 * order while each source keeps its own order. Everything random comes from one seed.
 */
final class SimWorld {
    static final long MS = 1_000_000L;

    final SplittableRandom random;
    final PoolConfig config;
    final Arbiter arbiter;
    final List<String> violations = new ArrayList<>();
    final List<String> trace;
    final List<SimJvm> jvms = new ArrayList<>();
    final List<CompletableFuture<?>> futures = new ArrayList<>();
    long now = 1_000 * MS;
    private long sequence;
    private long nextPid = 1000;
    private final PriorityQueue<Agenda> agenda = new PriorityQueue<>();
    private final List<Queued> inbox = new ArrayList<>();
    /** How likely a new JVM fails to boot; 0 once the world calms down. */
    double bootFailureRate;
    boolean calm;
    long stopBeganAt = -1;
    boolean interruptStop;

    private record Agenda(long due, long sequence, Runnable action) implements Comparable<Agenda> {
        @Override
        public int compareTo(Agenda o) {
            return due != o.due ? Long.compare(due, o.due) : Long.compare(sequence, o.sequence);
        }
    }

    /** An event on the loop's queue and its source: events of one source keep their order. */
    private record Queued(String source, PoolEvent event) {
    }

    SimWorld(long seed, boolean tracing) {
        random = new SplittableRandom(seed);
        trace = tracing ? new ArrayList<>() : null;
        config = new PoolConfig(List.of(0, 1, 2).subList(0, 1 + random.nextInt(3)), Duration.ofMillis(200),
                Duration.ofSeconds(2), Duration.ofMillis(500 + random.nextInt(2500)), null, null, null, null, 0, null,
                null, false, List.of(), null, 0, random.nextInt(3), 1 + random.nextInt(2), null, 1.0, null);
        bootFailureRate = random.nextInt(4) == 0 ? 0.6 : 0.05;
        arbiter = new Arbiter(config, new Launcher(), new Admissions(), () -> now, e -> enqueue("exit", e),
                this::schedule, new PoolObserver() { }, new io.workerpool.internal.metrics.WorkerTelemetry());        tick();
    }

    /** The loop's periodic check, at a fixed rate as Pool's timer sends it. */
    private void tick() {
        at(config.checkInterval().toNanos(), () -> {
            enqueue("tick", new PoolEvent.Tick());
            tick();
        });
    }

    void log(java.util.function.Supplier<String> line) {
        if (trace != null) {
            trace.add(String.format("%9.3f s  %s", now / 1e9, line.get()));
        }
    }

    void violation(String what) {
        violations.add(String.format("at %.3f s: %s; pool: %s", now / 1e9, what, arbiter));
    }

    void at(long delay, Runnable action) {
        agenda.add(new Agenda(now + Math.max(0, delay), sequence++, action));
    }

    void enqueue(String source, PoolEvent event) {
        inbox.add(new Queued(source, event));
    }

    private void schedule(Duration delay, PoolEvent event) {
        if (event instanceof PoolEvent.RestartDue && (delay.isNegative()
                || delay.compareTo(RestartPolicy.MAX_BACKOFF) > 0)) {
            violation("restart backoff " + delay + " out of [0, " + RestartPolicy.MAX_BACKOFF + "]");
        }
        at(delay.toNanos(), () -> enqueue("timer", event));
    }

    boolean hasEvents() {
        return !inbox.isEmpty();
    }

    /** Takes one event the loop could see next: the first of its source among the first few queued. */
    PoolEvent takeEvent() {
        Set<String> seen = new HashSet<>();
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < Math.min(4, inbox.size()); i++) {
            if (seen.add(inbox.get(i).source())) {
                candidates.add(i);
            }
        }
        return inbox.remove((int) candidates.get(random.nextInt(candidates.size()))).event();
    }

    /** Moves the clock to the next thing due (or by {@code atMost}) and does everything due by then. */
    void advance(long atMost) {
        Agenda next = agenda.peek();
        long to = next == null ? now + atMost : Math.min(next.due(), now + atMost);
        now = Math.max(now, to);
        while (agenda.peek() != null && agenda.peek().due() <= now) {
            agenda.poll().action().run();
        }
    }

    /**
     * A replacement is ready-gated: while the pool runs, a JVM serving an id is asked to stop only once the JVM
     * that replaces it (alive, not asked to stop, not being killed) has reported started.
     */
    void firstStopRequest(SimJvm jvm) {
        if (arbiter.state() != PoolState.RUNNING || jvm.id < 0) {
            return;
        }
        for (SimJvm other : jvms) {
            if (other != jvm && other.alive && other.id == jvm.id && other.firstStopRequest == null && !other.killed
                    && !other.started) {
                violation(jvm + " was asked to stop before its replacement " + other + " was ready");
            }
        }
    }

    List<SimJvm> alive() {
        return jvms.stream().filter(j -> j.alive).toList();
    }

    private final class Launcher implements LoopPorts.Launcher {
        @Override
        public String newSecret() {
            return "s" + sequence++;
        }

        @Override
        public LoopPorts.WorkerProcess spawn(int workerId, String secret, List<String> extraOptions, Path log)
                throws IOException {
            PoolState state = arbiter.state();
            if (state == PoolState.STOPPING || state == PoolState.STOPPED) {
                violation("spawned a JVM for " + workerId + " once the stop began");
            }
            WorkerSlot slot = arbiter.slot(workerId);
            if (slot != null && slot.failed) {
                violation("spawned a JVM for worker " + workerId + ", which was given up on");
            }
            if (!calm && random.nextInt(50) == 0) {
                throw new IOException("simulated: cannot start a JVM");
            }
            SimJvm jvm = new SimJvm(SimWorld.this, workerId, nextPid++);
            jvms.add(jvm);
            log(() -> "spawn " + jvm);
            jvm.boot();
            return jvm;
        }

        @Override
        public WorkerCommand command() {
            return null;
        }
    }

    /** The worker channel's server: hands the arbiter each JVM's generation through {@link SimJvm#generation}. */
    private final class Admissions implements LoopPorts.Admissions {
        @Override
        public void admit(int workerId, long generation, String secret) {
            pendingGeneration = generation;
        }

        @Override
        public void spawned(String secret, long pid) {
        }

        @Override
        public boolean revoke(int workerId, long generation) {
            for (SimJvm jvm : jvms) {
                if (jvm.generation == generation) {
                    return !jvm.connectedOnce;
                }
            }
            return true;
        }
    }

    long pendingGeneration;

    /** One simulated worker JVM, master side (process, channel) and worker side (boot, stop, interrupt). */
    static final class SimJvm implements LoopPorts.WorkerProcess, LoopPorts.WorkerChannel {
        final SimWorld world;
        final long pid;
        final long generation;
        final CompletableFuture<Integer> exit = new CompletableFuture<>();
        /** The worker id it serves: its spawn id, or the one a spare is assigned. */
        int id;
        boolean alive = true;
        boolean connected;
        boolean connectedOnce;
        boolean started;
        boolean frozen;
        long frozenAt;
        boolean stubborn;
        boolean killed;
        /** Alive and not yet asked to stop when an interrupting pool stop began: it must be interrupted. */
        boolean interruptDue;
        /** The worker side: a stop request turned isRunning() false; an interrupt reached main first. */
        boolean stopRequested;
        boolean interrupted;
        String firstStopRequest;

        SimJvm(SimWorld world, int id, long pid) {
            this.world = world;
            this.id = id;
            this.pid = pid;
            this.generation = world.pendingGeneration;
        }

        private SplittableRandom random() {
            return world.random;
        }

        void boot() {
            SplittableRandom r = random();
            stubborn = !world.calm && r.nextInt(20) == 0;
            if (!world.calm && r.nextInt(25) == 0) {
                return; // hangs before its hello: silence kills it
            }
            if (!world.calm && r.nextDouble() < world.bootFailureRate / 3) {
                world.at(r.nextLong(10, 400) * MS, () -> exit(ExitCodes.MAIN_FAILED)); // before Supervisor.main()
                return;
            }
            world.at(r.nextLong(10, 600) * MS, this::connect);
        }

        private void connect() {
            if (!alive || connected) {
                return;
            }
            connected = true;
            connectedOnce = true;
            world.enqueue(source(), new PoolEvent.WorkerConnected(id, generation, (LoopPorts.WorkerChannel) this));
            if (id >= 0) {
                runFactory();
            }
        }

        private void runFactory() {
            SplittableRandom r = random();
            if (!world.calm && r.nextDouble() < world.bootFailureRate) {
                world.at(r.nextLong(10, 800) * MS, () -> exit(ExitCodes.BOOT_ERROR));
            } else {
                world.at(r.nextLong(10, 1500) * MS, this::reportStarted);
            }
        }

        private void reportStarted() {
            if (alive && connected && !stopRequested) {
                started = true;
                world.enqueue(source(), new PoolEvent.WorkerSaid(id, generation, new Message.Started()));
            }
        }

        String source() {
            return "channel " + generation;
        }

        void exit(int status) {
            if (!alive) {
                return;
            }
            alive = false;
            world.log(() -> "exit " + this + " status " + status);
            if (connected) {
                connected = false;
                world.enqueue(source(), new PoolEvent.WorkerDisconnected(id, generation, null));
            }
            exit.complete(status); // the arbiter's callback enqueues WorkerExited, as the JDK's reaper does
        }

        /** The worker side of a stop or an interrupt: the interrupt reaches main before isRunning turns false. */
        private void requestStop(boolean interrupt, String how) {
            if (!alive) {
                return;
            }
            if (firstStopRequest == null) {
                firstStopRequest = how;
                world.firstStopRequest(this);
            }
            if (interrupt && !stopRequested) {
                interrupted = true;
            }
            if (stopRequested) {
                return;
            }
            stopRequested = true;
            if (stubborn || frozen) {
                return; // only SIGKILL ends it
            }
            long millis = random().nextLong(0, world.arbiter.stopTimeout().toMillis() * 3 / 2 + 1);
            world.at(millis * MS, () -> {
                if (alive && connected) {
                    world.enqueue(source(), new PoolEvent.WorkerSaid(id, generation, new Message.Stopping()));
                }
                world.at(random().nextLong(0, 50) * MS, () -> exit(0));
            });
        }

        // ---- the master's side: process ----

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public CompletableFuture<Integer> exitStatus() {
            return exit;
        }

        @Override
        public void signal(int signal) {
            if (!alive) {
                return;
            }
            world.log(() -> "signal " + signal + " to " + this);
            if (signal == Signals.SIGTERM || signal == Signals.SIGINT) {
                if (!connectedOnce && random().nextBoolean()) {
                    world.at(random().nextLong(1, 20) * MS, () -> exit(128 + signal)); // no handler installed yet
                }
                requestStop(signal == Signals.SIGINT, signal == Signals.SIGINT ? "SIGINT" : "SIGTERM");
            }
        }

        @Override
        public void kill(boolean descendants) {
            world.log(() -> "SIGKILL to " + this);
            killed = true;
            world.at(random().nextLong(0, 30) * MS, () -> exit(128 + 9));
        }

        @Override
        public long rssBytes() {
            return 100L << 20;
        }

        // ---- the master's side: channel ----

        @Override
        public void send(Message message) throws IOException {
            if (!alive || !connected) {
                throw new ClosedChannelException();
            }
            world.log(() -> "send " + message + " to " + this);
            switch (message) {
                case Message.Stop ignored -> requestStop(false, "Stop");
                case Message.Interrupt ignored -> requestStop(true, "Interrupt");
                case Message.Assign assign -> {
                    id = assign.workerId();
                    runFactory();
                }
                default -> { }
            }
        }

        @Override
        public String bootError() {
            return null;
        }

        @Override
        public void promoteTo(int workerId) {
        }

        @Override
        public long lastSeenNanos() {
            return frozen ? frozenAt : world.now;
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return "jvm " + pid + " (gen " + generation + ", id " + id + (alive ? "" : ", exited") + ")";
        }
    }
}
