package io.workerpool;

import io.workerpool.internal.BuilderChecks;
import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.master.Pool;
import io.workerpool.internal.wire.WorkerEnvironment;
import io.workerpool.internal.worker.WorkerRuntime;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A pre-fork pool: a master JVM that starts worker JVMs and keeps them alive.
 *
 * <p>Build one in your program's {@code main} and call {@link #main()}. The same program runs in the master
 * and, re-launched, in every worker JVM: in the master, {@code main()} runs the pool until it has shut down
 * and returns; in a worker, it creates the worker with the factory, runs it, and ends the JVM.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     Supervisor.builder(id -> new MyWorker(id)).workers(4).build().main();
 * }
 * }</pre>
 *
 * <p>The master restarts a worker that exits (with exponential backoff for one that keeps dying within a
 * second of its start), kills and replaces a worker whose heartbeat stops for {@code workerTimeout},
 * forwards workers' log records to its own logging, and on SIGTERM ({@link #terminate()}) stops every
 * worker gracefully, SIGKILLing what is still alive after {@code stopTimeout}. SIGINT ({@link #interrupt()})
 * interrupts each worker's main thread once, then stops as SIGTERM does. No worker outlives its master.
 */
public final class Supervisor {
    private final WorkerFactory factory;
    private final PoolConfig config;
    private final Pool pool;

    private Supervisor(WorkerFactory factory, PoolConfig config) {
        this.factory = factory;
        this.config = config;
        this.pool = isWorkerProcess() ? null : new Pool(config);
    }

    /** The settings build() made; for tests in this package. */
    PoolConfig config() {
        return config;
    }

    /** Starts building a pool whose workers {@code factory} creates. */
    public static Builder builder(WorkerFactory factory) {
        return new Builder(Objects.requireNonNull(factory, "factory must not be null"));
    }

    /** True inside a worker JVM started by a Supervisor; code that must run only in the master checks it. */
    public static boolean isWorkerProcess() {
        return WorkerEnvironment.isWorkerProcess();
    }

    /** Registers a callback run in the master before the first worker starts. No effect in a worker. */
    public void onStart(Callback cb) {
        Objects.requireNonNull(cb, "callback must not be null");
        if (pool != null) {
            pool.onStart(cb);
        }
    }

    /** Registers a callback run in the master after the last worker has exited. No effect in a worker. */
    public void onShutdown(Callback cb) {
        Objects.requireNonNull(cb, "callback must not be null");
        if (pool != null) {
            pool.onShutdown(cb);
        }
    }

    /**
     * In the master: runs the pool and returns once it has shut down (after SIGTERM, SIGINT,
     * {@link #terminate()} or {@link #interrupt()}). With {@code daemonize(true)}, the launching process
     * instead starts the detached master, waits until it runs, and exits the JVM with status 0.
     * In a worker JVM: runs the worker and ends the JVM; never returns.
     *
     * @throws PoolStartException when the pool cannot start (pidfile held, address in use, ...)
     */
    public void main() {
        if (pool == null) {
            WorkerRuntime.run(factory, config);
            return;
        }
        pool.run();
    }

    /**
     * Adds a worker with this id and starts it.
     *
     * @throws IllegalArgumentException if the id is already in the pool
     * @throws IllegalStateException in a worker JVM, or once the pool is stopping
     */
    public void addWorker(int id) {
        requireMaster("addWorker").addWorker(id);
    }

    /**
     * Stops the worker with this id gracefully and takes it out of the pool: it is not restarted.
     *
     * @return completes with the worker's exit status once it has exited
     * @throws IllegalArgumentException if the id is not in the pool
     * @throws IllegalStateException in a worker JVM
     */
    public CompletableFuture<Integer> removeWorker(int id) {
        return requireMaster("removeWorker").removeWorker(id);
    }

    /** The ids currently in the pool (a snapshot); empty in a worker JVM. */
    public Set<Integer> workerIds() {
        return pool == null ? Set.of() : pool.workerIds();
    }

    /**
     * Rolling reload, as SIGHUP to the master: every worker is replaced by a fresh JVM (re-running the program,
     * so new code on the class path is picked up), one (or {@link Builder#reloadBatch(int)}) at a time; each
     * new worker reports ready before the old one is asked to stop, so the pool never serves with fewer
     * workers. A new worker that fails to start aborts the reload and the old ones keep serving. Returns at
     * once; progress is in the log and {@link #status()}.
     *
     * @throws IllegalStateException in a worker JVM, when the pool is not running, or when a reload (or a
     *     restart of one worker) is already running
     */
    public void reload() {
        requireMaster("reload").reload();
    }

    /**
     * Replaces the master itself, as SIGUSR2 or {@code workerpool upgrade} do (issue 15): a new master process
     * (this program's own command line, read again) takes over the listening socket, starts its workers, and
     * once it is ready this master stops its workers gracefully and exits; no connection is refused. When the
     * new master fails or is not ready within 2 minutes, it is killed and this one keeps serving. Returns at
     * once; the outcome is in the log.
     *
     * @throws IllegalStateException in a worker JVM, when the pool is not running or shares no listening
     *     socket, or when an upgrade is already under way
     */
    public void upgrade() {
        requireMaster("upgrade").upgrade(java.time.Duration.ofMinutes(2), false);
    }

    /**
     * Replaces one worker by a fresh JVM the way {@link #reload()} does: the new one is ready before the old
     * one is asked to stop.
     *
     * @throws IllegalArgumentException if the id is not in the pool
     * @throws IllegalStateException in a worker JVM, when the pool is not running, or when a reload (or a
     *     restart) is already running
     */
    public void restartWorker(int id) {
        requireMaster("restartWorker").restartWorker(id);
    }

    /**
     * Grows or shrinks the pool to {@code workers} (as SIGTTIN / SIGTTOU do by one): new workers get the lowest
     * free ids, and the highest ids are removed gracefully.
     *
     * @throws IllegalArgumentException if {@code workers < 1}
     * @throws IllegalStateException in a worker JVM, or when the pool is not running
     */
    public void scale(int workers) {
        requireMaster("scale").scale(workers);
    }

    /**
     * {@link #reload()} that tells how it ended: the future completes with a one-line description once every
     * worker has been replaced, or exceptionally with an {@link IllegalStateException} saying why the reload
     * was refused (the pool is not running, a reload already runs) or aborted (a new worker failed to become
     * ready, the pool began to stop). It always completes.
     *
     * @throws IllegalStateException in a worker JVM
     */
    public CompletableFuture<String> reloadAsync() {
        return outcome(requireMaster("reloadAsync").reloadAsync());
    }

    /** {@link #restartWorker(int)} that tells how it ended, as {@link #reloadAsync()} does. */
    public CompletableFuture<String> restartWorkerAsync(int id) {
        return outcome(requireMaster("restartWorkerAsync").restartWorkerAsync(id));
    }

    /**
     * {@link #scale(int)} that tells how it ended: completes once the removed workers have exited and the added
     * ones have reported started, or exceptionally with an {@link IllegalStateException} saying why not (a bad
     * count, the pool stopping, a new worker given up after repeated boot errors).
     */
    public CompletableFuture<String> scaleAsync(int workers) {
        return outcome(requireMaster("scaleAsync").scaleAsync(workers));
    }

    private static CompletableFuture<String> outcome(CompletableFuture<io.workerpool.internal.core.Outcome> future) {
        return future.thenApply(outcome -> {
            switch (outcome.kind()) {
                case REFUSED -> throw new IllegalStateException("refused: " + outcome.message());
                case ABORTED -> throw new IllegalStateException(outcome.message()); // "aborted (...)", "failed (...)"
                case DONE -> { }
            }
            return outcome.message();
        });
    }

    /**
     * A snapshot of every worker id in the running pool: pid, state, uptime, restarts, last exit, heartbeat
     * age and RSS.
     *
     * @throws IllegalStateException in a worker JVM, or when the pool is not running
     */
    public java.util.List<WorkerStatus> status() {
        return requireMaster("status").status();
    }

    /** Stops the pool gracefully, as SIGTERM to the master does. No effect in a worker JVM. */
    public void terminate() {
        if (pool != null) {
            pool.terminate();
        }
    }

    /** Interrupts every worker's main thread once, then stops as {@link #terminate()}; as SIGINT does. */
    public void interrupt() {
        if (pool != null) {
            pool.interrupt();
        }
    }

    @Override
    public String toString() {
        return pool == null ? "Supervisor[worker process]" : pool.toString();
    }

    private Pool requireMaster(String operation) {
        if (pool == null) {
            throw new IllegalStateException(operation + " is for the master: this is a worker JVM "
                    + "(check Supervisor.isWorkerProcess() before calling it)");
        }
        return pool;
    }

    /** Settings of a pool; {@link #build()} validates them and says what is wrong. */
    public static final class Builder {
        /** What {@code workerIds(null)} leaves, so that build() can say so. */
        private static final int[] NULL_IDS = new int[0];
        private final WorkerFactory factory;
        // Every default comes from PoolConfig's builder, the one place it is written.
        private int workers = PoolConfig.DEFAULTS.workerIds().size();
        private int[] workerIds;
        private Duration checkInterval = PoolConfig.DEFAULTS.checkInterval();
        private Duration workerTimeout = PoolConfig.DEFAULTS.workerTimeout();
        private Duration stopTimeout = PoolConfig.DEFAULTS.stopTimeout();
        private Path stdout = PoolConfig.DEFAULTS.stdout();
        private Path stderr = PoolConfig.DEFAULTS.stderr();
        private InetSocketAddress listen = PoolConfig.DEFAULTS.listen();
        private Path listenPath = PoolConfig.DEFAULTS.listenPath();
        private int listenBacklog = PoolConfig.DEFAULTS.listenBacklog();
        private Path pidFile = PoolConfig.DEFAULTS.pidFile();
        /** Unless set, beside the pidfile ({@link #build()}). */
        private Path controlSocket;
        private boolean controlSocketSet;
        private boolean daemonize = PoolConfig.DEFAULTS.daemonize();
        private final List<String> workerJvmOptions = new ArrayList<>(PoolConfig.DEFAULTS.workerJvmOptions());
        private Duration maxWorkerAge = PoolConfig.DEFAULTS.maxWorkerAge();
        private long maxWorkerRssBytes = PoolConfig.DEFAULTS.maxWorkerRssBytes();
        private long maxWorkerPssBytes = PoolConfig.DEFAULTS.maxWorkerPssBytes();
        private int spares = PoolConfig.DEFAULTS.spares();
        private int reloadBatch = PoolConfig.DEFAULTS.reloadBatch();
        private InetSocketAddress metrics = PoolConfig.DEFAULTS.metrics();
        private double readyShare = PoolConfig.DEFAULTS.readyShare();
        private Path aotCache = PoolConfig.DEFAULTS.aotCache();

        private Builder(WorkerFactory factory) {
            this.factory = factory;
        }

        /** Number of workers, with ids 0..count-1 (default 2). */
        public Builder workers(int count) {
            this.workers = count;
            this.workerIds = null;
            return this;
        }

        /** Explicit worker ids instead of 0..N-1; distinct and >= 0. */
        public Builder workerIds(int... ids) {
            this.workerIds = ids == null ? NULL_IDS : ids.clone();
            return this;
        }

        /** Pool check period: how often heartbeats are checked (default 1 s); must be below workerTimeout. */
        public Builder checkInterval(Duration d) {
            this.checkInterval = d;
            return this;
        }

        /** A worker silent for this long is stale: SIGKILLed and replaced (default 30 s). */
        public Builder workerTimeout(Duration d) {
            this.workerTimeout = d;
            return this;
        }

        /** Graceful stop budget of a worker before it is SIGKILLed (default 30 s). */
        public Builder stopTimeout(Duration d) {
            this.stopTimeout = d;
            return this;
        }

        /** Workers' stdout is appended to this file (default: the master's stdout). */
        public Builder stdout(Path file) {
            this.stdout = file;
            return this;
        }

        /** Workers' stderr is appended to this file (default: the master's stderr). */
        public Builder stderr(Path file) {
            this.stderr = file;
            return this;
        }

        /** The master binds and listens on this address; workers get it from {@link Worker#listenChannel()}. */
        public Builder listen(InetSocketAddress address) {
            this.listen = address;
            return this;
        }

        /**
         * The master listens on a Unix domain socket at this path instead of a TCP address (a front proxy such
         * as nginx connects there); workers get it from {@link Worker#listenChannel()} the same way. A file
         * left there by a master that died is replaced; the file is removed when the pool stops.
         */
        public Builder listenUnix(Path path) {
            this.listenPath = path;
            return this;
        }

        /** Backlog of the shared listening socket (default 1024). */
        public Builder listenBacklog(int backlog) {
            this.listenBacklog = backlog;
            return this;
        }

        /** The master writes its pid here and holds an OS lock on it; a second master is refused. */
        public Builder pidFile(Path file) {
            this.pidFile = file;
            return this;
        }

        /**
         * The pool's management socket (status, stop, reload, scale, restart; see the {@code workerpool} CLI),
         * a Unix domain socket only the master's user may use. Default: beside the pidfile ({@code pool.pid} →
         * {@code pool.sock}) when there is one, else none; {@code null} turns it off.
         */
        public Builder controlSocket(Path socket) {
            this.controlSocket = socket;
            this.controlSocketSet = true;
            return this;
        }

        /** Detach: the master runs in its own session and the launching process exits 0 once it runs. */
        public Builder daemonize(boolean on) {
            this.daemonize = on;
            return this;
        }

        /**
         * Recycling: a worker older than this is replaced gracefully, the way a reload replaces it (the new JVM
         * ready before the old one stops), with up to 10% random jitter so workers don't all go at once.
         * Default: never.
         */
        public Builder maxWorkerAge(Duration age) {
            this.maxWorkerAge = age;
            return this;
        }

        /**
         * Recycling: a worker whose resident memory (RSS) passes this many bytes is replaced gracefully, as
         * PM2's max_memory_restart. Checked every {@code checkInterval}. Default: never (0).
         */
        public Builder maxWorkerRss(long bytes) {
            this.maxWorkerRssBytes = bytes;
            return this;
        }

        /**
         * Recycling: a worker whose proportional set size (PSS) passes this many bytes is replaced gracefully.
         * PSS divides the pages workers share (the JDK's class data archive, the AOT cache, libraries) among
         * them, where RSS counts them in full in every worker: on RSS the workers that merely share the most
         * look the largest. Read from the worker's heartbeat ({@code /proc/self/smaps_rollup}, Linux), checked
         * every {@code checkInterval}. Default: never (0).
         */
        public Builder maxWorkerPss(long bytes) {
            this.maxWorkerPssBytes = bytes;
            return this;
        }

        /**
         * Hot spares: keep this many worker JVMs started and warmed (classes loaded, shared socket received,
         * factory not called yet) waiting for an id. When a worker exits, a spare takes its id at once and runs
         * {@code create(id)}, onStart and main, which skips a JVM start; a new spare starts in the background.
         * Each spare costs a JVM's memory. Default 0.
         */
        public Builder spares(int count) {
            this.spares = count;
            return this;
        }

        /**
         * Rolling reload batch: how many workers a reload (or recycling) replaces at the same time (default 1).
         * Each new JVM reports ready before its old one is asked to stop, so the pool never serves with fewer
         * workers; a larger batch makes a reload of many workers faster at the cost of that many extra JVMs
         * while it runs.
         */
        public Builder reloadBatch(int count) {
            this.reloadBatch = count;
            return this;
        }

        /**
         * The master serves HTTP on this address, for Kubernetes probes and Prometheus: {@code /healthz}
         * (liveness: 200 while the master's loop keeps running its checks, 503 when it is stuck), {@code /readyz}
         * (readiness: 200 while the pool runs with at least {@link #readyShare(double) readyShare} of its workers
         * running, else 503 saying why) and {@code /metrics} (Prometheus text format; needs the
         * {@code io.workerpool:workerpool-metrics} module, else 404). Port 0 picks a free port, which the master
         * logs. Default: none.
         */
        public Builder metrics(InetSocketAddress address) {
            this.metrics = address;
            return this;
        }

        /**
         * The share of the pool's workers that must be running for {@code /readyz} to answer 200: more than 0,
         * at most 1 (all of them); the count is rounded up. Default 0.5.
         */
        public Builder readyShare(double share) {
            this.readyShare = share;
            return this;
        }

        /**
         * Faster worker starts with a JDK AOT cache (JEP 483/514): worker JVMs start with
         * {@code -XX:AOTCache=file}, which holds the classes a worker loads up to its factory already parsed and
         * linked. When the file is missing, or was made for another class path or JDK, one training JVM in the
         * background boots as far as a worker does before its factory and writes it (workers start without it
         * until then); a cache the JVM refuses is retrained once, then left out. The pool never fails because
         * of the cache. The JDK caches only classes loaded from jars, not from class directories. Options of
         * your own starting with {@code -XX:AOT} or {@code -XX:SharedArchiveFile} in {@link #workerJvmOptions}
         * win: then this is not used. The parent directory must exist and be writable. Default: none.
         */
        public Builder aotCache(Path file) {
            this.aotCache = file;
            return this;
        }

        /** Extra JVM options for worker JVMs (e.g. {@code -Xmx64m}), after the master's own. */
        public Builder workerJvmOptions(String... options) {
            Objects.requireNonNull(options, "workerJvmOptions must not be null");
            workerJvmOptions.clear();
            workerJvmOptions.addAll(Arrays.asList(options));
            return this;
        }

        /**
         * Validates the settings and builds the supervisor.
         *
         * @throws IllegalArgumentException saying which setting is wrong, its value and what is allowed
         */
        public Supervisor build() {
            List<Integer> ids = validatedIds();
            requireDuration("checkInterval", checkInterval);
            requireDuration("workerTimeout", workerTimeout);
            requireDuration("stopTimeout", stopTimeout);
            BuilderChecks.requireCheckBeforeTimeout(checkInterval, workerTimeout);
            if (listen != null && listenPath != null) {
                throw new IllegalArgumentException("a pool shares one listening socket: give listen(" + listen
                        + ") or listenUnix(" + listenPath + "), not both");
            }
            if (listen != null && listen.isUnresolved()) {
                throw new IllegalArgumentException("listen address must be resolved, got unresolved " + listen
                        + ": check the host name, or create it with new InetSocketAddress(host, port)");
            }
            if (listenBacklog < 1) {
                throw new IllegalArgumentException("listenBacklog must be >= 1, got " + listenBacklog);
            }
            if (daemonize && pidFile == null) {
                throw new IllegalArgumentException("daemonize(true) needs pidFile(path): it is how you find and stop"
                        + " the daemon");
            }
            if (maxWorkerAge != null) {
                requireDuration("maxWorkerAge", maxWorkerAge);
            }
            if (spares < 0) {
                throw new IllegalArgumentException("spares must be >= 0, got " + spares);
            }
            if (reloadBatch < 1) {
                throw new IllegalArgumentException("reloadBatch must be >= 1, got " + reloadBatch);
            }
            if (maxWorkerRssBytes < 0) {
                throw new IllegalArgumentException("maxWorkerRss must be >= 0 bytes (0: no limit), got "
                        + maxWorkerRssBytes);
            }
            if (maxWorkerPssBytes < 0) {
                throw new IllegalArgumentException("maxWorkerPss must be >= 0 bytes (0: no limit), got "
                        + maxWorkerPssBytes);
            }
            if (!(readyShare > 0 && readyShare <= 1)) {
                throw new IllegalArgumentException("readyShare must be more than 0 and at most 1 (the share of"
                        + " workers that must run for /readyz to answer 200), got " + readyShare);
            }
            if (metrics != null && metrics.isUnresolved()) {
                throw new IllegalArgumentException("metrics address must be resolved (an IP address or a host name"
                        + " this machine can resolve), got " + metrics);
            }
            if (metrics != null && metrics.getPort() != 0 && metrics.equals(listen)) {
                throw new IllegalArgumentException("metrics(" + metrics + ") must not be the listen(...) address:"
                        + " the workers serve that one; give metrics another port");
            }
            BuilderChecks.requireJvmOptions(workerJvmOptions);
            BuilderChecks.requireFileNames(pidFile, stdout, stderr, controlSocket, listenPath);
            Path control = controlSocketSet ? controlSocket : besidePidFile(pidFile);
            BuilderChecks.requireDistinctFiles(absolute(pidFile), absolute(control), absolute(listenPath),
                    absolute(stdout), absolute(stderr));
            BuilderChecks.requireSocketPath(controlSocketSet ? "controlSocket" : "the control socket beside pidFile",
                    absolute(control), controlSocketSet ? "choose a shorter controlSocket(path)"
                            : "choose a shorter pidFile path, or set controlSocket(path)");
            BuilderChecks.requireSocketPath("listenUnix", absolute(listenPath), "choose a shorter path");
            BuilderChecks.requireWritableFile("aotCache", absolute(aotCache));
            PoolConfig config = PoolConfig.builder().workerIds(ids).checkInterval(checkInterval)
                    .workerTimeout(workerTimeout).stopTimeout(stopTimeout).stdout(absolute(stdout))
                    .stderr(absolute(stderr)).listen(listen).listenPath(absolute(listenPath))
                    .listenBacklog(listenBacklog).pidFile(absolute(pidFile)).controlSocket(absolute(control))
                    .daemonize(daemonize).workerJvmOptions(workerJvmOptions).maxWorkerAge(maxWorkerAge)
                    .maxWorkerRssBytes(maxWorkerRssBytes).maxWorkerPssBytes(maxWorkerPssBytes).spares(spares)
                    .reloadBatch(reloadBatch).metrics(metrics).readyShare(readyShare).aotCache(absolute(aotCache))
                    .build();
            return new Supervisor(factory, config);
        }

        private List<Integer> validatedIds() {
            if (workerIds == null) {
                if (workers < 1) {
                    throw new IllegalArgumentException("workers must be >= 1, got " + workers);
                }
                List<Integer> ids = new ArrayList<>(workers);
                for (int i = 0; i < workers; i++) {
                    ids.add(i);
                }
                return ids;
            }
            if (workerIds == NULL_IDS) {
                throw new IllegalArgumentException("workerIds must name at least one id, got null");
            }
            if (workerIds.length == 0) {
                throw new IllegalArgumentException("workerIds must name at least one id, got none");
            }
            Set<Integer> seen = new LinkedHashSet<>();
            for (int id : workerIds) {
                if (id < 0) {
                    throw new IllegalArgumentException("worker ids must be >= 0, got " + id);
                }
                if (!seen.add(id)) {
                    throw new IllegalArgumentException("worker ids must be distinct, got " + id + " twice in "
                            + Arrays.toString(workerIds));
                }
            }
            return new ArrayList<>(seen);
        }

        private static void requireDuration(String name, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be a positive duration, got " + d);
            }
            if (d.compareTo(BuilderChecks.MIN_DURATION) < 0 || d.compareTo(BuilderChecks.MAX_DURATION) > 0) {
                throw new IllegalArgumentException(name + " must be between 1 ms and 365 days, got " + d);
            }
        }

        private static Path besidePidFile(Path pidFile) {
            if (pidFile == null) {
                return null;
            }
            String name = pidFile.getFileName().toString();
            String base = name.endsWith(".pid") ? name.substring(0, name.length() - 4) : name;
            return pidFile.resolveSibling(base + ".sock");
        }

        private static Path absolute(Path p) {
            return p == null ? null : p.toAbsolutePath().normalize();
        }
    }
}
