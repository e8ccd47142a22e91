package io.workerpool.internal.core;

import io.workerpool.WorkerStatus;
import io.workerpool.internal.PoolConfig;

import io.workerpool.internal.metrics.JvmSample;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.wire.ExitCodes;
import io.workerpool.internal.wire.Message;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;

/**
 * The world around the {@link PoolCore} in a deterministic simulation: a simulated clock, simulated worker JVMs
 * (which boot, fail to boot, hang before their hello, crash, freeze, ignore a stop, grow in memory, and handle stop
 * and interrupt as the worker side does), a simulated AOT cache, and the loop's queue, from which events of
 * different sources are taken in a random order while each source keeps its own order. It executes the core's
 * commands as {@code CommandRunner} does for real. Everything random comes from one seed.
 */
final class SimWorld {
    static final long MS = 1_000_000L;

    final SplittableRandom random;
    final PoolConfig config;
    final PoolCore core;
    final List<String> violations = new ArrayList<>();
    final List<String> trace;
    final List<SimJvm> jvms = new ArrayList<>();
    final Map<Long, SimJvm> byGeneration = new HashMap<>();
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
    /** The simulated AOT cache: a training run is wanted (none configured: never). */
    boolean aotTrainingDue;
    int trainingRuns;
    int recycles;
    /** How many times the master's own log was reopened (logs-reopen, SIGUSR1). */
    int reopens;
    /** What a logs-reopen call just said, and how many ReopenOutput messages its commands sent. */
    Integer reopenExpected;
    int reopenSends;
    /** The commands of the event being handled (for invariants that look at one decision). */
    private List<Command> lastCommands = List.of();

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
        config = PoolConfig.builder()
                .workerIds(List.of(0, 1, 2).subList(0, 1 + random.nextInt(3)))
                .checkInterval(Duration.ofMillis(200))
                .workerTimeout(Duration.ofSeconds(2))
                .stopTimeout(Duration.ofMillis(500 + random.nextInt(2500)))
                .spares(random.nextInt(3))
                .reloadBatch(1 + random.nextInt(2))
                .maxWorkerAge(random.nextInt(3) == 0 ? Duration.ofSeconds(5 + random.nextInt(30)) : null)
                .maxWorkerRssBytes(random.nextInt(3) == 0 ? 300L << 20 : 0)
                .maxWorkerPssBytes(random.nextInt(3) == 0 ? 250L << 20 : 0)
                .aotCache(random.nextInt(3) == 0 ? Path.of("/sim/app.aot") : null)
                .build();
        aotTrainingDue = config.aotCache() != null;
        bootFailureRate = random.nextInt(4) == 0 ? 0.6 : 0.05;
        boolean files = random.nextBoolean();
        core = new PoolCore(config, files ? Path.of("/sim/out.log") : null, files ? Path.of("/sim/err.log") : null,
                random.nextLong());
        tick();
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
        violations.add(String.format("at %.3f s: %s; pool: %s", now / 1e9, what, core));
    }

    void at(long delay, Runnable action) {
        agenda.add(new Agenda(now + Math.max(0, delay), sequence++, action));
    }

    void enqueue(String source, PoolEvent event) {
        inbox.add(new Queued(source, event));
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

    // ---- the loop: what CommandRunner does for real ----

    void start() {
        execute(core.start(config.workerIds(), now, aotTrainingDue));
    }

    /** One event from the queue, with what the loop observes added, and the spawn results it leads to. */
    void deliver(PoolEvent first) {
        Deque<PoolEvent> pending = new ArrayDeque<>();
        pending.add(first);
        while (!pending.isEmpty()) {
            PoolEvent event = observe(pending.poll());
            log(() -> "loop: " + (event instanceof PoolEvent.Tick ? "Tick" : event));
            lastCommands = core.handle(event, now);
            lastCommands.forEach(c -> execute(c, pending));
        }
    }

    void execute(List<Command> commands) {
        Deque<PoolEvent> pending = new ArrayDeque<>();
        commands.forEach(c -> execute(c, pending));
        pending.forEach(this::deliver);
    }

    List<Command> lastCommands() {
        return lastCommands;
    }

    private PoolEvent observe(PoolEvent event) {
        if (event instanceof PoolEvent.Tick) {
            Map<Long, PoolEvent.Reading> readings = new HashMap<>();
            for (SimJvm jvm : jvms) {
                if (jvm.alive) {
                    readings.put(jvm.generation, new PoolEvent.Reading(jvm.connected ? jvm.lastSeenNanos() : -1,
                            jvm.rssBytes, new JvmSample(0, 0, 0, 0, 0, 0, jvm.rssBytes, jvm.pssBytes, 0)));
                }
            }
            return new PoolEvent.Tick(readings, aotTrainingDue);
        }
        if (event instanceof PoolEvent.WorkerExited e) {
            // The loop reads the workers' stderr only when the core says the exit's line may show it: a tail it
            // did not read must never appear in a line (checked in execute).
            PoolEvent.Stderr stderr = core.mayShowStderr(e.generation(), e.status(), e.neverConnected())
                    ? new PoolEvent.Stderr("; last lines of the workers' stderr: boom", "boom")
                    : new PoolEvent.Stderr(UNREAD_STDERR, UNREAD_STDERR);
            return new PoolEvent.WorkerExited(e.workerId(), e.generation(), e.status(), e.neverConnected(),
                    e.bootError(), stderr, e.atNanos());
        }
        return event;
    }

    private static final String UNREAD_STDERR = "<stderr the loop did not read>";

    private void execute(Command command, Deque<PoolEvent> pending) {
        switch (command) {
            case Command.Spawn c -> pending.add(spawn(c));
            case Command.Send c -> {
                SimJvm jvm = byGeneration.get(c.jvm().generation);
                if (c.message() instanceof Message.ReopenOutput) {
                    reopenSends++;
                }
                if (jvm != null) {
                    jvm.receive(c.message());
                }
            }
            case Command.Signal c -> {
                SimJvm jvm = byGeneration.get(c.generation());
                if (jvm != null) {
                    jvm.signal(c.signal());
                }
            }
            case Command.Kill c -> {
                SimJvm jvm = byGeneration.get(c.generation());
                if (jvm != null) {
                    jvm.kill();
                }
            }
            case Command.Arm c -> schedule(c.delay(), c.event());
            case Command.Complete<?> c -> complete(c);
            case Command.Log c -> {
                if (c.line().contains(": recycling it (")) {
                    recycles++;
                }
                if (c.line().contains(UNREAD_STDERR)) {
                    violation("a line shows a stderr tail the loop was told it need not read: " + c.line());
                }
                log(() -> "log " + c.level() + " " + c.line());
            }
            case Command.AotTrainingExited c -> { } // trained, or given up on: not due either way
            case Command.ReopenMasterLog c -> reopens++;
            case Command.Promote c -> { }
            case Command.CloseChannel c -> { }
            case Command.Notify c -> { }
            case Command.CheckAotCache c -> { }
        }
    }

    private static <T> void complete(Command.Complete<T> c) {
        c.future().complete(c.value());
    }

    private void schedule(Duration delay, PoolEvent event) {
        if (event instanceof PoolEvent.RestartDue && (delay.isNegative()
                || delay.compareTo(RestartPolicy.MAX_BACKOFF) > 0)) {
            violation("restart backoff " + delay + " out of [0, " + RestartPolicy.MAX_BACKOFF + "]");
        }
        at(delay.toNanos(), () -> enqueue("timer", event));
    }

    private PoolEvent spawn(Command.Spawn c) {
        PoolState state = core.state();
        if (state == PoolState.STOPPING || state == PoolState.STOPPED) {
            violation("spawned a JVM for " + c.role() + " once the stop began");
        }
        if (c.role() instanceof Role.Worker(int id) && core.slot(id) != null && core.slot(id).failed()) {
            violation("spawned a JVM for worker " + id + ", which was given up on");
        }
        if (c.role() instanceof Role.Training) {
            if (jvms.stream().anyMatch(j -> j.alive && j.training)) {
                violation("a second AOT training run started while one runs");
            }
            aotTrainingDue = false; // the cache marks its training started
            trainingRuns++;
        }
        if (!calm && random.nextInt(50) == 0) {
            log(() -> "spawn " + c + " fails"); // (a training run that cannot start: the cache gives up)
            return new PoolEvent.SpawnFailed(c.generation(), "simulated: cannot start a JVM", "sim");
        }
        SimJvm jvm = new SimJvm(this, c.channelId(), c.generation(), nextPid++, c.role() instanceof Role.Training);
        jvms.add(jvm);
        byGeneration.put(jvm.generation, jvm);
        log(() -> "spawn " + jvm);
        jvm.boot();
        return new PoolEvent.JvmSpawned(jvm.generation, jvm.pid, List.of());
    }

    /**
     * A replacement is ready-gated: while the pool runs, a JVM serving an id is asked to stop only once the JVM
     * that replaces it (alive, not asked to stop, not being killed) has reported started.
     */
    void firstStopRequest(SimJvm jvm) {
        if (core.state() != PoolState.RUNNING || jvm.id < 0) {
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

    List<WorkerStatus> status() {
        return core.status(now, new PoolCore.Readings() {
            @Override
            public long lastSeenNanos(long generation) {
                SimJvm jvm = byGeneration.get(generation);
                return jvm == null || !jvm.connected ? -1 : jvm.lastSeenNanos();
            }

            @Override
            public long rssBytes(long generation) {
                SimJvm jvm = byGeneration.get(generation);
                return jvm == null ? -1 : jvm.rssBytes;
            }
        });
    }

    /** One simulated worker JVM, master side (process, channel) and worker side (boot, stop, interrupt). */
    static final class SimJvm {
        final SimWorld world;
        final long pid;
        final long generation;
        final boolean training;
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
        long rssBytes = 100L << 20;
        long pssBytes = 80L << 20;
        /** Alive and not yet asked to stop when an interrupting pool stop began: it must be interrupted. */
        boolean interruptDue;
        /** The worker side: a stop request turned isRunning() false; an interrupt reached main first. */
        boolean stopRequested;
        boolean interrupted;
        String firstStopRequest;
        int reopened;

        SimJvm(SimWorld world, int id, long generation, long pid, boolean training) {
            this.world = world;
            this.id = id;
            this.pid = pid;
            this.generation = generation;
            this.training = training;
        }

        private SplittableRandom random() {
            return world.random;
        }

        void boot() {
            SplittableRandom r = random();
            if (training) { // runs the program once, writes the cache, exits: no factory, no id
                world.at(r.nextLong(10, 600) * MS, this::connect);
                world.at(r.nextLong(500, 20_000) * MS, () -> exit(r.nextInt(5) == 0 ? 1 : 0));
                return;
            }
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
            world.enqueue(source(), new PoolEvent.WorkerConnected(id, generation, (WorkerChannel) null));
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
            // the JDK's reaper enqueues the exit; the loop adds whether it ever reached the master
            world.enqueue("exit", new PoolEvent.WorkerExited(id, generation, status, !connectedOnce, null,
                    PoolEvent.Stderr.NONE));
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
            long millis = random().nextLong(0, world.core.stopTimeout().toMillis() * 3 / 2 + 1);
            world.at(millis * MS, () -> {
                if (alive && connected) {
                    world.enqueue(source(), new PoolEvent.WorkerSaid(id, generation, new Message.Stopping()));
                }
                world.at(random().nextLong(0, 50) * MS, () -> exit(0));
            });
        }

        // ---- the master's side: process ----

        void signal(int signal) {
            if (!alive) {
                return;
            }
            world.log(() -> "signal " + signal + " to " + this);
            if (signal == Posix.SIGTERM || signal == Posix.SIGINT) {
                if (!connectedOnce && random().nextBoolean()) {
                    world.at(random().nextLong(1, 20) * MS, () -> exit(128 + signal)); // no handler installed yet
                }
                requestStop(signal == Posix.SIGINT, signal == Posix.SIGINT ? "SIGINT" : "SIGTERM");
            }
        }

        void kill() {
            world.log(() -> "SIGKILL to " + this);
            killed = true;
            world.at(random().nextLong(0, 30) * MS, () -> exit(128 + 9));
        }

        // ---- the master's side: channel ----

        /** A message on its channel; one sent after the channel closed is lost, as a closed socket loses it. */
        void receive(Message message) {
            if (!alive || !connected) {
                return;
            }
            world.log(() -> "send " + message + " to " + this);
            switch (message) {
                case Message.Stop ignored -> requestStop(false, "Stop");
                case Message.Interrupt ignored -> requestStop(true, "Interrupt");
                case Message.Assign assign -> {
                    id = assign.workerId();
                    runFactory();
                }
                case Message.ReopenOutput ignored -> reopened++;
                default -> { }
            }
        }

        long lastSeenNanos() {
            return frozen ? frozenAt : world.now;
        }

        @Override
        public String toString() {
            return (training ? "training jvm " : "jvm ") + pid + " (gen " + generation + ", id " + id
                    + (alive ? "" : ", exited") + ")";
        }
    }
}
