package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.RECORDING_WORKER;
import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.workerpool.cli.CliProcess.Result;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, real JVMs: {@code workerpool run} with a test Worker from {@code --classpath}, then the management
 * commands against it by its pidfile or its control socket.
 */
class CliPoolTest {
    @TempDir
    Path dir;

    @Test
    void runsAPoolThatTheManagementCommandsControl() throws Exception {
        Path events = dir.resolve("events.txt");
        Path pidFile = dir.resolve("pool.pid");
        String pidfile = pidFile.toString();
        try (CliProcess pool = CliProcess.start(dir, "master", events, pidFile, "run", "--workers", "2",
                "--check-interval", "200ms", "--stop-timeout", "5s", "--listen", "127.0.0.1:0", "--pidfile", pidfile,
                "--classpath", TEST_CLASSES, RECORDING_WORKER, events.toString(), "--greeting", "hello")) {
            // the ARGS after the class reach each worker's constructor, flags included
            pool.awaitEvents("worker-main [01] \\d+ \\[" + events + ", --greeting, hello]", 2);
            assertThat(pool.output()).contains("listening on 127.0.0.1:");
            long master = pool.process().pid();

            // a worker's main runs a moment before the master has handled its "started": poll
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                Result status = CliProcess.run(dir, "status", "--pidfile", pidfile);
                assertThat(status.exit()).as("%s", status).isZero();
                assertThat(status.out()).startsWith("master pid " + master + ", RUNNING, 2 workers")
                        .containsPattern("(?m)^ID +PID +STATE +UPTIME +RESTARTS +LAST EXIT +HEARTBEAT +RSS +HEAP +GC +PSS$")
                        .containsPattern("(?m)^0 +" + pool.workerPid(0) // uptime may read "1m 1s"; HEAP, GC, PSS follow RSS
                                + " +RUNNING +\\d\\S*( \\d+s)? +0 +- +\\S+ +[\\d.]+ MB  .*$")
                        .containsPattern("(?m)^1 +" + pool.workerPid(1) + " +RUNNING ");
            });

            Result json = CliProcess.run(dir, "status", "--json", "--control", dir.resolve("pool.sock").toString());
            assertThat(json.exit()).as("%s", json).isZero();
            assertThat(json.out().strip()).startsWith("{\"pid\":" + master + ",\"state\":\"RUNNING\"")
                    .contains("{\"id\":1,\"pid\":" + pool.workerPid(1) + ",").endsWith("]}");

            Result second = CliProcess.run(dir, "run", "--pidfile", pidfile, "--classpath", TEST_CLASSES,
                    RECORDING_WORKER, events.toString());
            assertThat(second.exit()).as("%s", second).isEqualTo(1);
            assertThat(second.errLines()).as("%s", second).singleElement().asString()
                    .startsWith("workerpool run: another master is already running with pidfile " + pidfile);

            // reload, restart and scale wait for their outcome (issue 17): when they return, it is there
            assertThat(ok(CliProcess.run(dir, "scale", "3", "--pidfile", pidfile))).startsWith("scaling to 3")
                    .contains("worker 2: running, pid ").endsWith("3 of 3 workers running");
            assertThat(workerStates(pidfile)).isEqualTo("0 RUNNING,1 RUNNING,2 RUNNING");
            pool.awaitEvents("worker-main 2 \\d+ .*", 1);
            long worker2 = pool.workerPid(2);
            assertThat(ok(CliProcess.run(dir, "scale", "2", "--pidfile", pidfile))).startsWith("scaling to 2")
                    .contains("worker 2: stopped and removed").endsWith("2 of 2 workers running");
            pool.awaitEvents("worker-shutdown 2 " + worker2, 1);

            long worker0 = pool.workerPid(0);
            assertThat(ok(CliProcess.run(dir, "restart", "0", "--pidfile", pidfile)))
                    .startsWith("restarting worker 0").containsPattern("worker 0: running, pid \\d+ \\(new JVM\\)")
                    .containsPattern("completed \\(restart of worker 0\\): 1 worker\\(s\\) replaced in \\d+ ms$");
            pool.awaitEvents("worker-shutdown 0 " + worker0, 1);
            await().atMost(Duration.ofSeconds(60)).until(() -> pool.workerPid(0) != worker0);

            long[] before = {pool.workerPid(0), pool.workerPid(1)};
            assertThat(ok(CliProcess.run(dir, "reload", "--pidfile", pidfile))).startsWith("reloading")
                    .contains("completed (reload requested): 2 worker(s) replaced in ");
            pool.awaitEvents("worker-shutdown (0 " + before[0] + "|1 " + before[1] + ")", 2);

            // a reload whose new worker cannot be created: exit 1 with the pool's reason; the old ones keep serving
            Path failSwitch = Path.of(events + ".fail");
            java.nio.file.Files.createFile(failSwitch);
            Result failed = CliProcess.run(dir, "reload", "--pidfile", pidfile);
            java.nio.file.Files.delete(failSwitch);
            assertThat(failed.exit()).as("%s", failed).isEqualTo(1);
            assertThat(failed.out()).as("%s", failed).startsWith("reloading");
            assertThat(failed.errLines()).as("%s", failed).singleElement().asString()
                    .startsWith("workerpool reload: failed (reload requested): ").contains("worker 0")
                    .endsWith("the old workers keep serving");
            assertThat(ok(CliProcess.run(dir, "reload", "--no-wait", "--pidfile", pidfile))).isEqualTo("reloading");

            Result refused = CliProcess.run(dir, "restart", "9", "--pidfile", pidfile);
            assertThat(refused.exit()).as("%s", refused).isEqualTo(1);
            assertThat(refused.errLines()).as("%s", refused).singleElement().asString()
                    .startsWith("workerpool restart: worker 9 is not in the pool");

            // No --stdout/--stderr here: nothing to reopen, which the master says (CliOperationsTest rotates files).
            assertThat(ok(CliProcess.run(dir, "logs-reopen", "--pidfile", pidfile))).contains("nothing to reopen");

            Result stop = CliProcess.run(dir, "stop", "--timeout", "5s", "--pidfile", pidfile);
            assertThat(stop.exit()).as("%s", stop).isZero();
            assertThat(stop.out()).isEqualTo("stopping (master pid " + master + ")\nstopped\n");
            // 'stop' returns once the master has ended; this JVM, its parent, reaps it a moment later
            assertThat(pool.process().waitFor(10, TimeUnit.SECONDS)).as("the master, once 'stop' has returned").isTrue();
            assertThat(pool.process().exitValue()).isZero();
            assertThat(pidFile).doesNotExist();
            assertThat(pool.output().replace("IllegalStateException: constructor failure on purpose", ""))
                    .doesNotContain("SLF4J(I)").doesNotContain("Exception");
        }
    }

    @Test
    void servesHealthAndMetricsOnThePortThatStatusShows() throws Exception {
        Path events = dir.resolve("events.txt");
        Path pidFile = dir.resolve("pool.pid");
        String pidfile = pidFile.toString();
        try (CliProcess pool = CliProcess.start(dir, "master", events, pidFile, "run", "--workers", "2",
                "--metrics", "127.0.0.1:0", "--ready-share", "1", "--pidfile", pidfile, "--classpath", TEST_CLASSES,
                RECORDING_WORKER, events.toString())) {
            pool.awaitEvents("worker-main [01] \\d+ .*", 2);
            Result json = CliProcess.run(dir, "status", "--json", "--pidfile", pidfile);
            assertThat(json.exit()).as("%s", json).isZero();
            Matcher address = Pattern.compile("\"metrics\":\"127\\.0\\.0\\.1:(\\d+)\"").matcher(json.out());
            assertThat(address.find()).as("%s", json).isTrue();
            int port = Integer.parseInt(address.group(1));
            assertThat(port).isPositive();
            assertThat(ok(CliProcess.run(dir, "status", "--pidfile", pidfile)))
                    .contains("; http://127.0.0.1:" + port + " (/healthz /readyz /metrics)");

            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).untilAsserted(() ->
                    assertThat(get(port, "/readyz")).isEqualTo("200 ready: 2 of 2 workers running, need 2\n"));
            assertThat(get(port, "/healthz")).startsWith("200 ok: the pool is running");
            String metrics = get(port, "/metrics");
            assertThat(metrics).startsWith("200 ").contains("workerpool_workers{state=\"running\"} 2.0",
                    "workerpool_exits_total{cause=\"signal\"} 0.0", "workerpool_ready 1.0");

            assertThat(ok(CliProcess.run(dir, "stop", "--pidfile", pidfile))).endsWith("stopped");
            assertThat(pool.output()).contains("serving http://127.0.0.1:" + port + "/healthz")
                    .doesNotContain("WARN").doesNotContain("Exception");
        }
    }

    /** "STATUS BODY" of a GET on 127.0.0.1. */
    private static String get(int port, String path) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode() + " " + response.body();
    }

    /**
     * Issue 17: a daemon without --stdout/--stderr logs beside its pidfile, says so at start, and reopens its own
     * log on logs-reopen and SIGUSR1 after logrotate's rename (the next master line lands in the new file); its
     * workers, which inherited that log as their stdout, follow it to the new file too.
     */
    @Test
    void daemonDetachesLogsBesideItsPidfileReopensItAndStopsByItsPidfile() throws Exception {
        Path events = dir.resolve("events.txt");
        Path pidFile = dir.resolve("daemon.pid");
        Path log = dir.resolve("daemon.log");
        String pidfile = pidFile.toString();
        try (CliProcess launcher = CliProcess.start(dir, "launcher", events, pidFile, "run", "--daemon",
                "--workers", "1", "--pidfile", pidfile, "--classpath", TEST_CLASSES, RECORDING_WORKER,
                events.toString(), "--print")) {
            assertThat(launcher.process().waitFor(60, TimeUnit.SECONDS)).as(launcher.output()).isTrue();
            assertThat(launcher.process().exitValue()).as(launcher.output()).isZero();
            assertThat(launcher.output()).startsWith("workerpool: daemon running, pid ")
                    .contains(", pidfile " + pidfile + ", log " + log);
            launcher.awaitEvents("worker-main 0 \\d+ .*", 1);
            assertThat(Files.readString(log)).contains("pool starting");

            Path rotated = dir.resolve("daemon.log.1");
            Files.move(log, rotated);
            assertThat(ok(CliProcess.run(dir, "logs-reopen", "--pidfile", pidfile)))
                    .isEqualTo("the master reopened its log; 1 worker(s) reopen their output files");
            // worker 0, started before the rotation, prints a numbered line every 20 ms: once its lines show in
            // the new file, the rotated one gets none of the later ones
            await().atMost(Duration.ofSeconds(30)).alias("worker 0's lines in the new " + log)
                    .until(() -> firstLine(log) >= 0);
            long first = firstLine(log);
            long lastRotated = lastLine(rotated);
            assertThat(lastRotated).as("worker 0's last line in the rotated file").isLessThan(first);
            await().atMost(Duration.ofSeconds(30)).until(() -> lastLine(log) >= first + 5);
            assertThat(lastLine(rotated)).as("the rotated file after the reopen").isEqualTo(lastRotated);

            assertThat(ok(CliProcess.run(dir, "scale", "2", "--pidfile", pidfile))).endsWith("2 of 2 workers running");
            assertThat(Files.readString(log)).contains("logs-reopen: the master reopened its log " + log)
                    .contains("logs-reopen: 1 worker(s) reopen stdout " + log + " and stderr " + log)
                    .contains("scaling from 1 to 2");
            assertThat(Files.readString(rotated)).doesNotContain("scaling from");

            Files.move(log, dir.resolve("daemon.log.2"));
            long master = Long.parseLong(Files.readString(pidFile).strip());
            new ProcessBuilder("kill", "-USR1", Long.toString(master)).start().waitFor();
            await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(log)
                    && Files.readString(log).contains("SIGUSR1: the master reopened its log " + log)
                    && firstLine(log) >= 0);

            Result stop = CliProcess.run(dir, "stop", "--pidfile", pidfile);
            assertThat(stop.exit()).as("%s", stop).isZero();
            assertThat(stop.out()).endsWith("stopped\n");
            assertThat(pidFile).as("removed by the master before it exited").doesNotExist();
            assertThat(Files.readString(log)).contains("pool stopped");
        }
    }

    /**
     * Issue 17: {@code --log-file} takes the daemon's own log (the launcher names it), apart from the workers'
     * {@code --stdout}; their stderr, with no file of its own, goes to the log, and is reopened with it.
     */
    @Test
    void daemonWritesItsLogToTheLogFile() throws Exception {
        Path events = dir.resolve("events.txt");
        Path pidFile = dir.resolve("app.pid");
        Path log = dir.resolve("master.log");
        Path out = dir.resolve("out.log");
        String pidfile = pidFile.toString();
        try (CliProcess launcher = CliProcess.start(dir, "launcher", events, pidFile, "run", "--daemon",
                "--workers", "1", "--pidfile", pidfile, "--log-file", log.toString(), "--stdout", out.toString(),
                "--classpath", TEST_CLASSES, RECORDING_WORKER, events.toString(), "--print")) {
            assertThat(launcher.process().waitFor(60, TimeUnit.SECONDS)).as(launcher.output()).isTrue();
            assertThat(launcher.process().exitValue()).as(launcher.output()).isZero();
            assertThat(launcher.output()).startsWith("workerpool: daemon running, pid ")
                    .contains(", pidfile " + pidfile + ", log " + log);
            launcher.awaitEvents("worker-main 0 \\d+ .*", 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> firstLine(out) >= 0);
            assertThat(Files.readString(log)).contains("pool starting").doesNotContain("worker 0 line");
            assertThat(dir.resolve("app.log")).as("no default log beside the pidfile").doesNotExist();

            assertThat(ok(CliProcess.run(dir, "logs-reopen", "--pidfile", pidfile)))
                    .isEqualTo("the master reopened its log; 1 worker(s) reopen their output files");
            assertThat(Files.readString(log)).contains("logs-reopen: 1 worker(s) reopen stdout " + out
                    + " and stderr " + log);

            Result stop = CliProcess.run(dir, "stop", "--pidfile", pidfile);
            assertThat(stop.exit()).as("%s", stop).isZero();
            assertThat(Files.readString(log)).contains("pool stopped");
        }
    }

    private static final Pattern WORKER_0_LINE = Pattern.compile("(?m)^worker 0 line (\\d+)$");

    /** The number of worker 0's first {@code --print} line in the file, -1 when there is none. */
    private static long firstLine(Path file) throws java.io.IOException {
        Matcher line = WORKER_0_LINE.matcher(Files.exists(file) ? Files.readString(file) : "");
        return line.find() ? Long.parseLong(line.group(1)) : -1;
    }

    /** The number of worker 0's last {@code --print} line in the file, -1 when there is none. */
    private static long lastLine(Path file) throws java.io.IOException {
        Matcher line = WORKER_0_LINE.matcher(Files.exists(file) ? Files.readString(file) : "");
        long last = -1;
        while (line.find()) {
            last = Long.parseLong(line.group(1));
        }
        return last;
    }

    /** "ID STATE,..." of the workers, from status --json. */
    private String workerStates(String pidfile) throws Exception {
        Result json = CliProcess.run(dir, "status", "--json", "--pidfile", pidfile);
        assertThat(json.exit()).as("%s", json).isZero();
        Matcher row = Pattern.compile("\\{\"id\":(\\d+),\"pid\":\\d+,\"state\":\"(\\w+)\"").matcher(json.out());
        java.util.List<String> states = new java.util.ArrayList<>();
        while (row.find()) {
            states.add(row.group(1) + " " + row.group(2));
        }
        return String.join(",", states);
    }

    private static String ok(Result result) {
        assertThat(result.exit()).as("%s", result).isZero();
        assertThat(result.err()).as("%s", result).isEmpty();
        return result.out().strip();
    }
}
