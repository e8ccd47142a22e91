package io.workerpool.testapp;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A pool for integration tests, configured by system properties. Master and workers append one line per
 * event to the file named by {@code -Devents=...}: tests wait on those lines instead of sleeping.
 *
 * <p>Worker behaviours ({@code -Dbehaviour=...}, or per id: {@code -Dbehaviour.1=...}): {@code loop} (until
 * stopped), {@code ignore-stop} (never returns; swallows interrupts), {@code crash} (main throws at once),
 * {@code exit} (main returns at once), {@code halt} (the JVM halts at once), {@code boot-fail} (the factory
 * throws), {@code block} (sleeps until interrupted), {@code print} (prints to stdout and stderr, then loops),
 * {@code orphan} (leaves behind a process that waits for the file {@code -DorphanGo=...}, then exits 5; records
 * its pid; loops), {@code exit7} ({@code System.exit(7)} at once), {@code exit-after-stable} (main returns
 * after {@code -DexitAfterMs}, 1300 by default), {@code flood} and {@code hostile-*} ({@link FaultBehaviours}).
 */
public final class TestPool {
    private TestPool() {
    }

    public static void main(String[] args) {
        Path events = Path.of(System.getProperty("events"));
        Supervisor.Builder builder = Supervisor.builder(id -> {
            String behaviour = behaviour(id);
            if (behaviour.equals("boot-fail")) {
                throw new IllegalStateException("boot failure on purpose");
            }
            return new TestWorker(id, behaviour, events);
        });
        builder.workers(Integer.getInteger("workers", 2));
        builder.stopTimeout(Duration.ofMillis(Long.getLong("stopTimeoutMs", 10_000)));
        builder.workerTimeout(Duration.ofMillis(Long.getLong("workerTimeoutMs", 30_000)));
        builder.checkInterval(Duration.ofMillis(Long.getLong("checkIntervalMs", 200)));
        if (System.getProperty("stdout") != null) {
            builder.stdout(Path.of(System.getProperty("stdout")));
        }
        if (System.getProperty("stderr") != null) {
            builder.stderr(Path.of(System.getProperty("stderr")));
        }
        if (System.getProperty("pidfile") != null) {
            builder.pidFile(Path.of(System.getProperty("pidfile")));
        }
        if (System.getProperty("listenUnix") != null) {
            builder.listenUnix(Path.of(System.getProperty("listenUnix")));
        }
        if (System.getProperty("maxWorkerAgeMs") != null) {
            builder.maxWorkerAge(Duration.ofMillis(Long.getLong("maxWorkerAgeMs")));
        }
        if (System.getProperty("maxWorkerRssMb") != null) {
            builder.maxWorkerRss(Long.getLong("maxWorkerRssMb") * 1024 * 1024);
        }
        if (System.getProperty("maxWorkerPssMb") != null) {
            builder.maxWorkerPss(Long.getLong("maxWorkerPssMb") * 1024 * 1024);
        }
        builder.spares(Integer.getInteger("spares", 0));
        builder.reloadBatch(Integer.getInteger("reloadBatch", 1));
        if (System.getProperty("metrics") != null) { // HOST:PORT
            String[] hostPort = System.getProperty("metrics").split(":");
            builder.metrics(new java.net.InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])));
        }
        if (System.getProperty("readyShare") != null) {
            builder.readyShare(Double.parseDouble(System.getProperty("readyShare")));
        }
        if (System.getProperty("aotCache") != null) {
            builder.aotCache(Path.of(System.getProperty("aotCache")));
        }
        if (Boolean.getBoolean("daemon")) {
            builder.daemonize(true);
        }
        if (System.getProperty("workerJvmOptions") != null) {
            builder.workerJvmOptions(System.getProperty("workerJvmOptions").split(" "));
        }
        Supervisor supervisor = builder.build();
        supervisor.onStart(() -> record(events, "master-start " + ProcessHandle.current().pid()));
        supervisor.onShutdown(() -> record(events, "master-shutdown " + ProcessHandle.current().pid()));
        supervisor.main();
        record(events, "master-exit " + ProcessHandle.current().pid());
    }

    static String behaviour(int id) {
        return System.getProperty("behaviour." + id, System.getProperty("behaviour", "loop"));
    }

    /** One line per write, appended: lines from several JVMs never tear. */
    static synchronized void record(Path events, String line) {
        try {
            Files.writeString(events, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static final class TestWorker extends Worker {
        private final String behaviour;
        private final Path events;
        private final long pid = ProcessHandle.current().pid();

        TestWorker(int id, String behaviour, Path events) {
            super(id);
            this.behaviour = behaviour;
            this.events = events;
            onStart(() -> {
                String holdFlag = System.getProperty("holdStartWhileExists");
                while (holdFlag != null && Files.exists(Path.of(holdFlag))) {
                    Thread.sleep(20); // a test holds this JVM short of "started" (e.g. a reload in progress)
                }
                String failFlag = System.getProperty("failStartIfExists");
                if (failFlag != null && Files.exists(Path.of(failFlag))) {
                    throw new IllegalStateException("onStart fails on purpose: " + failFlag + " exists");
                }
                record(events, "worker-start " + id + " " + pid);
            });
            onShutdown(() -> record(events, "worker-shutdown " + id + " " + pid));
        }

        @Override
        protected void main() throws Exception {
            record(events, "worker-main " + id() + " " + pid);
            switch (behaviour) {
                case "crash" -> throw new IllegalStateException("crash on purpose in worker " + id());
                case "exit" -> { }
                case "exit7" -> System.exit(7);
                case "orphan" -> {
                    record(events, "worker-orphan " + id() + " " + pid + " " + leaveOrphan());
                    loop();
                }
                case "halt" -> Runtime.getRuntime().halt(7); // dies at once, no shutdown: a crash
                // lives past the "quick exit" threshold (1 s after started), so it is restarted without backoff
                case "exit-after-stable" -> Thread.sleep(Long.getLong("exitAfterMs", 1300));
                case "flood" -> {
                    FaultBehaviours.flood(id(), pid, events);
                    loop();
                }
                case "ignore-stop" -> {
                    while (true) {
                        try {
                            Thread.sleep(1000);
                        } catch (InterruptedException e) {
                            record(events, "worker-interrupted " + id() + " " + pid);
                        }
                    }
                }
                case "block" -> {
                    try {
                        Thread.sleep(Long.MAX_VALUE);
                    } catch (InterruptedException e) {
                        record(events, "worker-interrupted " + id() + " " + pid);
                    }
                }
                case "serve" -> {
                    // answers each connection on the shared socket with "<id> <pid>", until stopped
                    java.nio.channels.ServerSocketChannel server = listenChannel();
                    while (isRunning()) {
                        try (java.nio.channels.SocketChannel client = server.accept()) {
                            client.write(java.nio.ByteBuffer.wrap((id() + " " + pid + "\n").getBytes()));
                        } catch (java.io.IOException e) {
                            break; // the library closed our copy of the socket: we are stopping
                        }
                    }
                }
                case "print" -> {
                    System.out.println("stdout line from worker " + id() + " pid " + pid);
                    System.err.println("stderr line from worker " + id() + " pid " + pid);
                    loop();
                }
                case "chatty" -> {
                    while (isRunning()) {
                        System.out.println("chatty stdout from worker " + id() + " pid " + pid);
                        System.err.println("chatty stderr from worker " + id() + " pid " + pid);
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                }
                case "alive" -> HostilePool.aliveThenDeadlock(this, events); // HostileWorkersTest
                default -> {
                    if (behaviour.startsWith("hostile-")) {
                        FaultBehaviours.hostile(behaviour.substring("hostile-".length()), id(), pid, events);
                    }
                    loop();
                }
            }
            record(events, "worker-main-returned " + id() + " " + pid);
        }

        /**
         * Starts a shell that starts a subshell in the background and exits at once: the subshell, orphaned,
         * is re-parented to the nearest child subreaper (the master). It waits (at most a minute) for the
         * file {@code orphanGo}, then exits 5. Returns its pid.
         */
        private static long leaveOrphan() throws IOException, InterruptedException {
            String go = System.getProperty("orphanGo");
            String script = "( i=0; while [ ! -e '" + go + "' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done;"
                    + " exit 5 ) </dev/null >/dev/null 2>&1 & echo $!";
            Process shell = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
            String orphanPid = new String(shell.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim();
            if (shell.waitFor() != 0 || orphanPid.isEmpty()) {
                throw new IllegalStateException("sh -c '" + script + "' failed: " + orphanPid);
            }
            return Long.parseLong(orphanPid);
        }

        private void loop() throws InterruptedException {
            while (isRunning()) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    record(events, "worker-interrupted " + id() + " " + pid);
                    return;
                }
            }
        }
    }
}
