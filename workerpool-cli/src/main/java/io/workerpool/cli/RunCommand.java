package io.workerpool.cli;

import io.workerpool.PoolStartException;
import io.workerpool.Supervisor;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code workerpool run}: a pool of the user's Worker class. The worker JVMs re-run this very command line,
 * so the same flags build the same {@link Supervisor} there, and {@link Supervisor#main()} runs the worker
 * instead of the pool. Nothing here prints before the pool runs: in a worker, stdout belongs to the worker.
 */
@Command(name = "run", sortOptions = false, usageHelpAutoWidth = true,
        description = {
            "Runs a pool of WORKER_CLASS: a master that starts worker JVMs and keeps them alive.",
            "WORKER_CLASS is a public subclass of io.workerpool.Worker with a public constructor (int id), or"
                    + " (int id, String[] args) to get the ARGS that follow it. Each worker JVM re-runs this"
                    + " command line. SIGTERM (or 'workerpool stop') stops the pool gracefully; Ctrl-C interrupts"
                    + " the workers first. Durations: 500ms, 3s, 1m, 2h."},
        footerHeading = "%nExamples:%n",
        footer = {
            "  workerpool run --workers 4 --classpath app.jar com.example.MyWorker",
            "  workerpool run --worker-ids 1,2,5 --classpath 'classes:lib/*' \\",
            "      --jvm-opt=-Xmx256m --listen 127.0.0.1:8080 --pidfile /tmp/app.pid \\",
            "      com.example.HttpWorker --verbose",
            "  workerpool run --daemon --pidfile /var/run/app.pid --log-file /var/log/app.log \\",
            "      --classpath app.jar com.example.MyWorker",
            "  workerpool run --workers 4 --metrics 0.0.0.0:9100 --ready-share 0.75 \\",
            "      --classpath app.jar com.example.MyWorker     # /healthz /readyz /metrics",
            "  workerpool run --workers 4 --spares 1 --aot-cache /var/cache/app/worker.aot \\",
            "      --classpath app.jar com.example.MyWorker",
            "  workerpool status --pidfile /var/run/app.pid",
            "",
            "Exit status: 0 after a graceful stop, 1 when the pool cannot start, 2 for a bad flag or worker class."})
final class RunCommand implements Callable<Integer> {
    /** sun_path holds 108 bytes on Linux, the last one the terminating NUL. */
    static final int MAX_SOCKET_PATH_BYTES = 107;
    /** What a worker calling listenChannel() in a pool without --listen is told to add. */
    static final String LISTEN_SETTING = "--listen";

    @Mixin
    WorkerpoolCli.HelpOption help;

    @Option(names = "--workers", paramLabel = "N", converter = Converters.PositiveInt.class,
            description = "Number of workers, with ids 0..N-1 (default: 2).")
    Integer workers;

    @Option(names = "--worker-ids", paramLabel = "ID,...", converter = Converters.WorkerIds.class,
            description = "Explicit worker ids instead of --workers, e.g. 1,2,5.")
    Converters.IdList workerIds;

    @Option(names = "--check-interval", paramLabel = "D", converter = Converters.PositiveDuration.class,
            description = "How often heartbeats are checked; below --worker-timeout (default: 1s).")
    Duration checkInterval;

    @Option(names = "--worker-timeout", paramLabel = "D", converter = Converters.PositiveDuration.class,
            description = "A worker silent this long is killed and replaced (default: 30s).")
    Duration workerTimeout;

    @Option(names = "--stop-timeout", paramLabel = "D", converter = Converters.PositiveDuration.class,
            description = "Graceful stop budget of each worker before SIGKILL (default: 30s).")
    Duration stopTimeout;

    @Option(names = "--stdout", paramLabel = "FILE", description = "Append the workers' stdout here (default: "
            + "this terminal).")
    Path stdout;

    @Option(names = "--stderr", paramLabel = "FILE", description = "Append the workers' stderr here (default: "
            + "this terminal).")
    Path stderr;

    @Option(names = "--listen", paramLabel = "HOST:PORT", converter = Converters.ListenAddress.class,
            description = "The master binds it; workers accept on Worker.listenChannel(). One address for now.")
    List<InetSocketAddress> listen = new ArrayList<>();

    @Option(names = "--metrics", paramLabel = "HOST:PORT", converter = Converters.ListenAddress.class,
            description = "Serve /healthz, /readyz (for Kubernetes probes) and /metrics (Prometheus) over HTTP"
                    + " here; port 0 picks a free one, shown by 'status'.")
    InetSocketAddress metrics;

    @Option(names = "--ready-share", paramLabel = "X", converter = Converters.Share.class,
            description = "/readyz answers 200 while at least this share of the workers run, rounded up: more than 0,"
                    + " at most 1 (default: 0.5). Needs --metrics.")
    Double readyShare;

    @Option(names = "--pidfile", paramLabel = "FILE", description = "Locked pidfile with the master's pid; the"
            + " management socket goes beside it (pool.pid -> pool.sock).")
    Path pidFile;

    @Option(names = "--control", paramLabel = "SOCKET", description = "The management socket, when not beside "
            + "the pidfile.")
    Path controlSocket;

    @Option(names = "--daemon", description = "Detach (needs --pidfile); returns once the pool runs.")
    boolean daemon;

    @Option(names = "--log-file", paramLabel = "FILE", description = "With --daemon: the master's own log (pool"
            + " events, the workers' forwarded records), appended; reopened by logs-reopen and SIGUSR1 (default: the"
            + " --stdout file, else beside --pidfile: app.pid -> app.log).")
    Path logFile;

    @Option(names = "--spares", paramLabel = "N", converter = Converters.NonNegativeInt.class,
            description = "Hot spare JVMs kept warm that take a dead worker's id at once (default: 0).")
    Integer spares;

    @Option(names = "--aot-cache", paramLabel = "FILE", description = "Workers start on this JDK AOT cache, trained"
            + " in the background when missing or stale (faster worker starts).")
    Path aotCache;

    @Option(names = "--classpath", paramLabel = "CP", description = "Where WORKER_CLASS and what it "
            + "needs are: directories and jars separated by ':', dir/* for every jar in dir (default: .).")
    String classpath = ".";

    @Option(names = "--jvm-opt", paramLabel = "OPT", description = "An extra JVM option for the worker JVMs, e.g."
            + " --jvm-opt=-Xmx256m; repeat for more.")
    List<String> jvmOptions = new ArrayList<>();

    @Option(names = "--reload-batch", paramLabel = "N", converter = Converters.PositiveInt.class,
            description = "How many workers a reload replaces at the same time, each new one ready before its old"
                    + " one stops (default: 1).")
    Integer reloadBatch;

    @Option(names = "--max-worker-age", paramLabel = "D", converter = Converters.PositiveDuration.class,
            description = "Recycle a worker older than this (+ up to 10%% jitter), like a reload (default: never).")
    Duration maxWorkerAge;

    @Option(names = "--max-worker-rss", paramLabel = "SIZE", converter = Converters.PositiveSize.class,
            description = "Recycle a worker whose resident memory passes this, e.g. 512M (default: never).")
    Long maxWorkerRss;

    @Option(names = "--max-worker-pss", paramLabel = "SIZE", converter = Converters.PositiveSize.class,
            description = "Recycle a worker whose proportional set size (shared pages split among the workers)"
                    + " passes this, e.g. 512M (default: never).")
    Long maxWorkerPss;

    @Parameters(index = "0", paramLabel = "WORKER_CLASS", description = "The Worker subclass, e.g. "
            + "com.example.MyWorker.")
    String workerClass;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Passed to the constructor (int id, String[] "
            + "args) of WORKER_CLASS, in every worker.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        Supervisor supervisor;
        try {
            supervisor = build();
        } catch (IllegalArgumentException e) {
            // the library's checks (Supervisor.Builder.build()), its settings named as this command's flags
            throw CliException.usage(asFlags(e.getMessage()));
        }
        try {
            supervisor.main(); // a worker JVM ends in here
        } catch (PoolStartException e) {
            throw CliException.failure(e.getMessage());
        }
        return 0;
    }

    private Supervisor build() {
        if (workers != null && workerIds != null) {
            throw CliException.usage("give either --workers or --worker-ids, not both");
        }
        if (listen.size() > 1) {
            throw CliException.usage("only one --listen address is supported yet, got " + listen.size());
        }
        if (logFile != null && !daemon) {
            throw CliException.usage("--log-file is for --daemon; in the foreground the log is this command's"
                    + " output: redirect it (> FILE)");
        }
        if (logFile != null && Files.isDirectory(logFile)) {
            throw CliException.usage("--log-file must be a file, got the directory '" + logFile + "'");
        }
        if (readyShare != null && metrics == null) {
            throw CliException.usage("--ready-share needs --metrics HOST:PORT: /readyz is served there");
        }
        if (jvmOptions.stream().anyMatch(String::isBlank)) {
            throw CliException.usage("--jvm-opt must be a JVM option like -Xmx256m, got a blank one");
        }
        for (String option : jvmOptions) {
            if (!option.startsWith("-")) {
                throw CliException.usage("--jvm-opt must be a JVM option starting with '-' like -Xmx256m, got '"
                        + option + "' (an option with a value goes in one: --jvm-opt=--add-opens=M/P=ALL-UNNAMED)");
            }
        }
        requireSocketPath("--control", controlSocket != null ? controlSocket
                : pidFile == null ? null : PoolAddress.besidePidFile(pidFile.toAbsolutePath().normalize()),
                controlSocket != null ? "choose a shorter path" : "it goes beside --pidfile: choose a shorter"
                        + " --pidfile path, or give --control SOCKET");
        String[] workerArgs = args.toArray(String[]::new);
        if (!Supervisor.isWorkerProcess()) {
            WorkerClass.load(workerClass, classpath); // says what is wrong before anything starts
        }
        // Called in each worker JVM only. A class path that changed since the master's check (before a reload)
        // fails here, which the master logs as the worker's boot error and backs off from.
        Supervisor.Builder builder = Supervisor.builder(id -> {
            WorkerClass type = WorkerClass.load(workerClass, classpath);
            Thread.currentThread().setContextClassLoader(type.loader());
            return type.create(id, workerArgs);
        });
        if (workerIds != null) {
            builder.workerIds(workerIds.ids());
        } else if (workers != null) {
            builder.workers(workers);
        }
        if (checkInterval != null) {
            builder.checkInterval(checkInterval);
        }
        if (workerTimeout != null) {
            builder.workerTimeout(workerTimeout);
        }
        if (stopTimeout != null) {
            builder.stopTimeout(stopTimeout);
        }
        if (stdout != null) {
            builder.stdout(stdout);
        }
        if (stderr != null) {
            builder.stderr(stderr);
        }
        if (!listen.isEmpty()) {
            builder.listen(listen.getFirst());
        }
        if (pidFile != null) {
            builder.pidFile(pidFile);
        }
        if (metrics != null) {
            builder.metrics(metrics);
        }
        if (readyShare != null) {
            builder.readyShare(readyShare);
        }
        if (controlSocket != null) {
            builder.controlSocket(controlSocket);
        }
        builder.daemonize(daemon);
        if (logFile != null) {
            // read by the library's daemon launcher (MasterLog), in the launcher and again in the daemon
            System.setProperty("workerpool.logFile", logFile.toAbsolutePath().toString());
        }
        if (reloadBatch != null) {
            builder.reloadBatch(reloadBatch);
        }
        if (maxWorkerAge != null) {
            builder.maxWorkerAge(maxWorkerAge);
        }
        if (maxWorkerRss != null) {
            builder.maxWorkerRss(maxWorkerRss);
        }
        if (maxWorkerPss != null) {
            builder.maxWorkerPss(maxWorkerPss);
        }
        if (spares != null) {
            builder.spares(spares);
        }
        if (aotCache != null) {
            builder.aotCache(aotCache);
        }
        List<String> workerJvmOptions = new ArrayList<>();
        // SLF4J announces the worker's log-forwarding provider on stderr at INFO: noise for users. Theirs follow.
        workerJvmOptions.add("-Dslf4j.internal.verbosity=WARN");
        if (listen.isEmpty()) {
            // Worker.listenChannel() without a socket names the flag to add, not the builder method
            workerJvmOptions.add("-Dworkerpool.listenSetting=" + LISTEN_SETTING);
        }
        workerJvmOptions.addAll(jvmOptions);
        builder.workerJvmOptions(workerJvmOptions.toArray(String[]::new));
        return builder.build();
    }

    /** The builder's setting names as this command's flags, longest first ("pidFile(path)" before "pidFile"). */
    private static final Map<String, String> FLAGS = flags("daemonize(true)", "--daemon", "pidFile(path)",
            "--pidfile FILE", "checkInterval", "--check-interval", "workerTimeout", "--worker-timeout", "stopTimeout",
            "--stop-timeout", "aotCache", "--aot-cache", "workerJvmOptions", "--jvm-opt", "maxWorkerAge",
            "--max-worker-age", "maxWorkerRss", "--max-worker-rss", "maxWorkerPss", "--max-worker-pss",
            "reloadBatch", "--reload-batch", "readyShare", "--ready-share", "controlSocket", "--control", "pidFile",
            "--pidfile", "stdout", "--stdout", "stderr", "--stderr", "metrics", "--metrics", "spares", "--spares",
            "workerIds", "--worker-ids");

    private static Map<String, String> flags(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }

    /** A message of the library's checks, with each setting named as the flag that sets it here. */
    static String asFlags(String message) {
        String result = message;
        for (Map.Entry<String, String> e : FLAGS.entrySet()) {
            result = result.replaceAll("(?<![\\w/.=-])" + java.util.regex.Pattern.quote(e.getKey())
                    + "(?![\\w/.=-])", java.util.regex.Matcher.quoteReplacement(e.getValue()));
        }
        return result;
    }

    /** Unix socket paths have at most 107 bytes; checked here to name the flag (the library names its setting). */
    static void requireSocketPath(String flag, Path socket, String whatToDo) {
        if (socket == null) {
            return;
        }
        Path absolute = socket.toAbsolutePath().normalize();
        int bytes = absolute.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MAX_SOCKET_PATH_BYTES) {
            throw CliException.usage(flag + " socket path must be at most " + MAX_SOCKET_PATH_BYTES + " bytes long,"
                    + " got " + bytes + " bytes: " + absolute + "; " + whatToDo);
        }
    }
}
