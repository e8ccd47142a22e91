package io.workerpool.testapp;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A pool whose workers log, for the log-forwarding tests. Configured by system properties; master and
 * workers append event lines to {@code -Devents=...} as {@link TestPool} does.
 *
 * <p>Scenarios ({@code -Dscenario=...}): {@code slf4j}, {@code jul} and {@code levels} log a fixed set of
 * records, then record {@code logged <id> <pid>} and run until stopped; {@code throw} makes main() throw
 * (in the first JVM of each worker only, so that the failure is logged exactly once); {@code flood} logs
 * {@code -Drecords=N} numbered records as fast as it can, optionally after the file {@code -Dgo=...}
 * appears, then records {@code flood-done <id> <pid> <records> <millis>} and, with {@code -DexitAfterFlood=true},
 * returns from main() at once (the next JVM of that worker only waits to be stopped); {@code flood-on-stop}
 * records {@code logged <id> <pid>}, waits to be stopped, then floods and returns: its last records are in flight
 * while the whole pool shuts down.
 *
 * <p>With {@code -DlogBeforeMain=true} the program logs through SLF4J and JUL before it builds the Supervisor, in
 * the master JVM and in each worker JVM alike ({@code "... before Supervisor.main in the worker JVM"}).
 *
 * <p>Each worker also prints a line to its stdout and stderr, so that a test can tell that those files are the
 * worker's, and that the records are missing from them because they were not printed. With
 * {@code -DheapSamples=file} the master records its heap use there (see {@link HeapSampler}).
 */
public final class LoggingPool {
    private LoggingPool() {
    }

    public static void main(String[] args) throws IOException {
        Path events = Path.of(System.getProperty("events"));
        String scenario = System.getProperty("scenario", "slf4j");
        if (Boolean.getBoolean("logBeforeMain")) {
            String jvm = Supervisor.isWorkerProcess() ? "worker" : "master";
            LoggerFactory.getLogger("com.acme.Startup").info("slf4j before Supervisor.main in the {} JVM", jvm);
            java.util.logging.Logger.getLogger("com.acme.Startup").info("jul before Supervisor.main in the " + jvm
                    + " JVM");
        }
        Supervisor.Builder builder = Supervisor.builder(id -> new LoggingWorker(id, scenario, events))
                .workers(Integer.getInteger("workers", 1))
                .stopTimeout(Duration.ofSeconds(20))
                .checkInterval(Duration.ofMillis(200));
        if (System.getProperty("stdout") != null) {
            builder.stdout(Path.of(System.getProperty("stdout")));
        }
        if (System.getProperty("stderr") != null) {
            builder.stderr(Path.of(System.getProperty("stderr")));
        }
        if (System.getProperty("workerJvmOptions") != null) {
            builder.workerJvmOptions(System.getProperty("workerJvmOptions").split(" "));
        }
        Supervisor supervisor = builder.build();
        HeapSampler sampler = null;
        if (!Supervisor.isWorkerProcess() && System.getProperty("heapSamples") != null) {
            sampler = HeapSampler.start(Path.of(System.getProperty("heapSamples")), Duration.ofMillis(100));
        }
        supervisor.onStart(() -> TestPool.record(events, "master-start " + ProcessHandle.current().pid()));
        supervisor.main();
        if (sampler != null) {
            sampler.close();
        }
        TestPool.record(events, "master-exit " + ProcessHandle.current().pid());
    }

    static final class LoggingWorker extends Worker {
        private final String scenario;
        private final Path events;
        private final long pid = ProcessHandle.current().pid();

        LoggingWorker(int id, String scenario, Path events) {
            super(id);
            this.scenario = scenario;
            this.events = events;
        }

        @Override
        protected void main() throws Exception {
            System.out.println("stdout of worker " + id() + " pid " + pid);
            System.err.println("stderr of worker " + id() + " pid " + pid);
            boolean firstJvm = !eventSeen("worker-main " + id() + " ");
            TestPool.record(events, "worker-main " + id() + " " + pid);
            switch (scenario) {
                case "slf4j" -> onThread("order-processor-7", this::logThroughSlf4j);
                case "jul" -> onThread("billing-thread-3", this::logThroughJul);
                case "levels" -> logAtLevels();
                case "throw" -> {
                    if (firstJvm) {
                        throw new IllegalStateException("main failed on purpose in worker " + id(),
                                new IOException("socket reset by peer"));
                    }
                }
                case "flood" -> {
                    if (flood() && firstJvm && Boolean.getBoolean("exitAfterFlood")) {
                        return;
                    }
                }
                case "flood-on-stop" -> {
                    TestPool.record(events, "logged " + id() + " " + pid);
                    while (isRunning()) {
                        Thread.sleep(20);
                    }
                    flood();
                    return;
                }
                default -> throw new IllegalArgumentException("unknown scenario " + scenario);
            }
            TestPool.record(events, "logged " + id() + " " + pid);
            while (isRunning()) {
                Thread.sleep(20);
            }
        }

        private void logThroughSlf4j() {
            Logger log = LoggerFactory.getLogger("com.acme.orders.OrderService");
            try (var _ = MDC.putCloseable("order", "o-42"); var _ = MDC.putCloseable("user", "alice")) {
                log.trace("slf4j trace: below the master's INFO, never shown");
                log.debug("slf4j debug: below the master's INFO, never shown");
                log.info("slf4j info: order {} placed by {}", 42, "alice");
                log.warn("slf4j warn: stock low for order {}", 42);
                log.error("slf4j error: saving order {} failed", 42,
                        new IllegalStateException("order o-42 not saved", new IOException("disk full")));
            }
        }

        private void logThroughJul() {
            java.util.logging.Logger jul = java.util.logging.Logger.getLogger("com.acme.legacy.Billing");
            // JUL's own default (INFO) would stop FINE before it reaches the forwarding handler; open it, so
            // that only the master's level for this name (INFO) keeps it out.
            jul.setLevel(Level.ALL);
            try (var _ = MDC.putCloseable("invoice", "i-9")) {
                jul.fine("jul fine: below the master's INFO, never shown");
                jul.info("jul info: invoice i-9 sent to " + "bob");
                jul.log(Level.WARNING, "jul warning: invoice {0} is {1} days late", new Object[] {"i-9", 3});
                jul.log(Level.SEVERE, "jul severe: billing failed",
                        new IllegalStateException("invoice i-9 not billed", new IOException("ledger locked")));
                LogRecord dated = new LogRecord(Level.INFO, "jul dated: logged at 2001-02-03T04:05:06.789Z");
                dated.setLoggerName(jul.getName());
                dated.setInstant(Instant.parse("2001-02-03T04:05:06.789Z"));
                jul.log(dated);
            }
        }

        private void logAtLevels() throws InterruptedException {
            // Warm up the logging path first, so that the record right after getLogger below is not slowed by
            // class loading: it is logged microseconds after the level query went out.
            Logger warmUp = LoggerFactory.getLogger("com.acme.warmup");
            for (int i = 0; i < 3; i++) {
                warmUp.debug("levels: warm-up debug {}", i);
                warmUp.info("levels: warm-up info {}", i);
            }
            // com.acme.verbose is at DEBUG in the master's configuration, com.acme.quiet at INFO.
            Logger verbose = LoggerFactory.getLogger("com.acme.verbose.Cache");
            Logger quiet = LoggerFactory.getLogger("com.acme.quiet.Cache");
            verbose.debug("levels: verbose debug right after getLogger");
            // A new logger forwards everything until the master's answer to its level query arrives: wait for
            // the answers (bounded) before reporting what the worker's loggers say they forward.
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while ((verbose.isTraceEnabled() || quiet.isDebugEnabled()) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            TestPool.record(events, "enabled verbose.debug=" + verbose.isDebugEnabled() + " verbose.trace="
                    + verbose.isTraceEnabled() + " quiet.debug=" + quiet.isDebugEnabled() + " quiet.info="
                    + quiet.isInfoEnabled());
            verbose.debug("levels: verbose debug");
            verbose.trace("levels: verbose trace, never shown");
            quiet.debug("levels: quiet debug, never shown");
            quiet.info("levels: quiet info");
            java.util.logging.Logger julVerbose = java.util.logging.Logger.getLogger("com.acme.verbose.Jul");
            java.util.logging.Logger julQuiet = java.util.logging.Logger.getLogger("com.acme.quiet.Jul");
            julVerbose.setLevel(Level.ALL);
            julQuiet.setLevel(Level.ALL);
            julVerbose.fine("levels: jul verbose fine");
            julVerbose.finer("levels: jul verbose finer, never shown");
            julQuiet.fine("levels: jul quiet fine, never shown");
            julQuiet.info("levels: jul quiet info");
        }

        /** @return true when the records were logged (false: the next JVM of a worker that exited after its flood) */
        private boolean flood() throws IOException, InterruptedException {
            if (eventSeen("flood-done " + id() + " ")) {
                return false;
            }
            int records = Integer.getInteger("records", 1_000_000);
            Logger log = LoggerFactory.getLogger("com.acme.flood.Flooder");
            TestPool.record(events, "flood-ready " + id() + " " + pid);
            String go = System.getProperty("go");
            if (go != null) {
                // A benchmark starts every worker's flood at once; the workers' JVMs start one after another.
                while (!Files.exists(Path.of(go))) {
                    Thread.sleep(1);
                }
            }
            long start = System.nanoTime();
            for (int i = 0; i < records; i++) {
                log.info("flood {} {}", id(), i);
            }
            long millis = (System.nanoTime() - start) / 1_000_000;
            TestPool.record(events, "flood-done " + id() + " " + pid + " " + records + " " + millis);
            return true;
        }

        private void onThread(String name, Runnable action) throws InterruptedException {
            Thread thread = Thread.ofPlatform().name(name).start(action);
            thread.join();
        }

        private boolean eventSeen(String prefix) throws IOException {
            return Files.exists(events) && Files.readAllLines(events).stream().anyMatch(l -> l.startsWith(prefix));
        }
    }
}
