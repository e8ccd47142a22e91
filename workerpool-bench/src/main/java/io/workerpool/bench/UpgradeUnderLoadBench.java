package io.workerpool.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The row "upgrade under load" (issue 15): wrk against the Jetty example (2 workers) while its master replaces
 * itself ({@code SIGUSR2}, as {@code workerpool upgrade} asks): the failed requests wrk counts (socket errors:
 * connect, read, write, timeout; non-2xx responses), and the upgrade's duration from the request to the new
 * master's readiness (its takeover, in the old master's log) and to the old master's exit (its workers have
 * finished what they accepted). Node's cluster module has no master replacement; gunicorn's {@code USR2} is the
 * peer where it is installed.
 */
final class UpgradeUnderLoadBench {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration UPGRADE_TIMEOUT = Duration.ofSeconds(150);
    private static final Pattern NEW_MASTER = Pattern.compile("upgrade: new master pid (\\d+) started");
    private static final String NODE_NOTE = "none: the cluster module has no master replacement (a new primary"
            + " must bind the port again: stop, then start)";

    /** One upgrade under load: wrk's numbers and the upgrade's times, or why it did not complete. */
    record Run(double requestsPerSecond, String errors, double readyMs, double goneMs, boolean loadEndedFirst,
            String failure) {
        static Run failed(String why) {
            return new Run(Double.NaN, null, Double.NaN, Double.NaN, false, why);
        }
    }

    private final BenchContext context;

    UpgradeUnderLoadBench(BenchContext context) {
        this.context = context;
    }

    /**
     * Runs the row (once in --quick runs, else once per repetition; progress on stderr) and returns its section
     * of the report, or a note saying why it was skipped.
     */
    String section() {
        String examples = new HttpBench(context).examplesClasspath();
        String reason = unavailableReason(examples);
        if (reason != null) {
            BenchMain.progress("skipping upgrade under load: %s", reason);
            return "\n## Upgrade under load\n\nSkipped: " + reason + ".\n";
        }
        boolean quick = context.settings().quick();
        int reps = quick ? 1 : context.settings().repetitions();
        // the load must outlast the upgrade (a new master's JVM and its workers' boot): generous, as a busy
        // machine takes seconds for each
        Duration load = Duration.ofSeconds(30);
        Duration lead = quick ? Duration.ofSeconds(2) : Duration.ofSeconds(5);
        List<Run> runs = new ArrayList<>();
        for (int rep = 1; rep <= reps; rep++) {
            BenchMain.progress("upgrade under load %d/%d: wrk for %d s, SIGUSR2 after %d s ...", rep, reps,
                    load.toSeconds(), lead.toSeconds());
            Run run = run(examples, rep, load, lead);
            runs.add(run);
            BenchMain.progress(run.failure() != null ? "  did not complete: " + run.failure()
                    : String.format(Locale.ROOT, "  failed requests: %s; %,.0f requests/s; new master ready after %.0f"
                    + " ms, old master gone after %.0f ms", run.errors() == null ? "0" : run.errors(),
                    run.requestsPerSecond(), run.readyMs(), run.goneMs()));
        }
        return markdown(runs);
    }

    /** The section of the report: a table with workerpool's runs, Node's "none" and gunicorn's row. */
    String markdown(List<Run> runs) {
        StringBuilder md = new StringBuilder("\n## Upgrade under load\n\n");
        md.append("wrk (").append(Wrk.THREADS).append(" threads, ").append(Wrk.CONNECTIONS)
                .append(" keep-alive connections) against a pool of 2 workers while its master is replaced by a new"
                        + " master process (`SIGUSR2`, as `workerpool upgrade` asks); ready = from the request to"
                        + " the new master's takeover, gone = to the old master's exit.\n\n");
        md.append("| server | failed requests (wrk: socket errors, non-2xx) | requests/s during the run"
                + " | upgrade: request → new master ready | → old master gone |\n");
        md.append("| --- | --- | --- | --- | --- |\n");
        for (Run run : runs) {
            if (run.failure() != null) {
                md.append("| workerpool (Jetty example) | did not complete: ").append(run.failure())
                        .append(" | | | |\n");
            } else {
                md.append(String.format(Locale.ROOT, "| workerpool (Jetty example) | %s%s | %,.0f | %.0f ms | %.0f ms |%n",
                        run.errors() == null ? "0" : run.errors(), run.loadEndedFirst()
                                ? " (the load ended before the old master did: not all of the upgrade was under load)"
                                : "", run.requestsPerSecond(), run.readyMs(), run.goneMs()));
            }
        }
        md.append("| Node.js cluster | ").append(NODE_NOTE).append(" | | | |\n");
        String gunicorn = new GunicornPeer().unavailableReason(context);
        md.append("| gunicorn (`USR2`, then `QUIT` to the old master) | ")
                .append(gunicorn != null ? "skipped: " + gunicorn : "not measured by this row yet")
                .append(" | | | |\n");
        return md.toString();
    }

    /** Why the row can't run here, or null. */
    String unavailableReason(String examplesClasspath) {
        if (Executables.find("wrk").isEmpty()) {
            return "wrk is not installed (`./run-bench --install-peers` as root, or `apt-get install -y wrk`)";
        }
        return examplesClasspath == null ? "workerpool-examples is not built (run ./run-bench, which builds it)"
                : null;
    }

    /**
     * Starts the Jetty example, puts wrk on it for {@code load}, sends SIGUSR2 after {@code lead}, and waits
     * for the takeover and the old master's exit; every master is stopped at the end.
     */
    Run run(String examplesClasspath, int repetition, Duration load, Duration lead) {
        int port = BenchContext.freePort();
        String tag = "upgrade-under-load-" + repetition;
        Path log = context.runDir().resolve(tag + ".log");
        List<String> command = context.javaCommandWithClasspath(List.of("-Dworkerpool.example.port=" + port,
                "-Dworkerpool.example.workers=2"), examplesClasspath, HttpBench.JETTY_EXAMPLE);
        List<Long> masters = new ArrayList<>();
        try (Child server = Child.start("Jetty example " + tag, command, context.runDir(), Map.of(), log)) {
            masters.add(server.pid());
            awaitLog(log, "Jetty workers will serve", server);
            awaitAnswering(port, server);
            CompletableFuture<Wrk.Result> wrk = CompletableFuture.supplyAsync(() -> Wrk.run(port, load));
            long loadStarted = System.nanoTime();
            StampTail.sleep(lead);
            long requested = System.nanoTime();
            signal("USR2", server.pid());
            long newMaster = Long.parseLong(awaitLog(log, NEW_MASTER, server).group(1));
            masters.add(newMaster);
            awaitLog(log, Pattern.compile("upgrade: master pid " + newMaster + " took over"), server);
            double readyMs = (System.nanoTime() - requested) / 1e6;
            server.awaitExit(UPGRADE_TIMEOUT);
            long gone = System.nanoTime();
            double goneMs = (gone - requested) / 1e6;
            Wrk.Result result = wrk.get(load.toSeconds() + 60, TimeUnit.SECONDS);
            return new Run(result.requestsPerSecond(), result.errors(), readyMs, goneMs,
                    gone - loadStarted > load.toNanos(), null);
        } catch (BenchException e) {
            return Run.failed(e.getMessage());
        } catch (ExecutionException | TimeoutException e) {
            return Run.failed("wrk: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Run.failed("interrupted");
        } finally {
            stopAll(masters);
        }
    }

    /** The new master is no child of ours once the old one exits: stopped here (TERM, then KILL). */
    private static void stopAll(List<Long> masters) {
        for (long pid : masters) {
            ProcessHandle.of(pid).ifPresent(master -> {
                List<ProcessHandle> tree = master.descendants().toList();
                master.destroy();
                master.onExit().completeOnTimeout(master, 20, TimeUnit.SECONDS).join();
                if (master.isAlive()) {
                    master.destroyForcibly();
                }
                tree.forEach(p -> p.onExit().completeOnTimeout(p, 5, TimeUnit.SECONDS).join());
                tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
            });
        }
    }

    private static void signal(String name, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).start();
            if (kill.waitFor() != 0) {
                throw new BenchException("kill -" + name + " " + pid + " failed");
            }
        } catch (IOException e) {
            throw new BenchException("cannot run kill: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }

    private static Matcher awaitLog(Path log, String text, Child server) {
        return awaitLog(log, Pattern.compile(Pattern.quote(text)), server);
    }

    /** Polls the master's log (every master writes to it) until {@code pattern} is found. */
    private static Matcher awaitLog(Path log, Pattern pattern, Child server) {
        long deadline = System.nanoTime() + UPGRADE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                Matcher m = pattern.matcher(Files.exists(log) ? Files.readString(log) : "");
                if (m.find()) {
                    return m;
                }
            } catch (IOException e) {
                throw new BenchException("cannot read " + log + ": " + e.getMessage(), e);
            }
            StampTail.sleep(Duration.ofMillis(10));
        }
        throw new BenchException("no '" + pattern + "' in " + log + " within " + UPGRADE_TIMEOUT.toSeconds()
                + " s (" + server + ")");
    }

    /** One request answered: the pool serves. */
    private static void awaitAnswering(int port, Child server) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            server.requireAlive();
            try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
                socket.setSoTimeout(5000);
                socket.getOutputStream().write("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                if (new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        .startsWith("HTTP/1.1 200")) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            StampTail.sleep(Duration.ofMillis(50));
        }
        throw new BenchException(server + " did not answer within " + READY_TIMEOUT.toSeconds() + " s");
    }
}
