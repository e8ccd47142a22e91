package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.RECORDING_WORKER;
import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.workerpool.cli.CliProcess.Result;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operations people run against a live pool through the CLI: a reload under HTTP load, log rotation. */
class CliOperationsTest {
    private static final Duration WAIT = Duration.ofSeconds(90);
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void aReloadUnderHttpLoadFailsNoRequest() throws Exception {
        Path events = dir.resolve("events.txt");
        Path pidFile = dir.resolve("pool.pid");
        String pidfile = pidFile.toString();
        try (CliProcess pool = CliProcess.start(dir, "master", events, pidFile, "run", "--workers", "2",
                "--check-interval", "200ms", "--stop-timeout", "10s", "--listen", "127.0.0.1:0", "--pidfile", pidfile,
                "--classpath", TEST_CLASSES, "io.workerpool.cli.testworkers.HttpWorker", events.toString());
                HttpLoad load = new HttpLoad()) {
            pool.awaitEvents("worker-main [01] \\d+ .*", 2);
            Matcher port = LISTENING.matcher(pool.output());
            assertThat(port.find()).as(pool.output()).isTrue();
            long[] old = {pool.workerPid(0), pool.workerPid(1)};
            load.start(Integer.parseInt(port.group(1)), 4);
            await().atMost(WAIT).until(() -> load.ok.get() >= 50);

            assertThat(ok(CliProcess.run(dir, "reload", "--no-wait", "--pidfile", pidfile))).isEqualTo("reloading");
            long okAtReload = load.ok.get();
            pool.awaitEvents("worker-shutdown (0 " + old[0] + "|1 " + old[1] + ")", 2);
            await().atMost(WAIT).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(ok(CliProcess.run(dir, "status", "--pidfile", pidfile))).contains("reload: completed"));
            long okAfterReload = load.ok.get();
            await().atMost(WAIT).until(() -> load.ok.get() >= okAfterReload + 50); // the new workers serve too
            load.close();

            assertThat(load.failures).as("failed requests (of %d)", load.ok.get()).isEmpty();
            assertThat(okAfterReload - okAtReload).as("requests answered during the reload").isPositive();
            assertThat(List.of(pool.workerPid(0), pool.workerPid(1))).doesNotContain(old[0], old[1]);
            assertThat(ok(CliProcess.run(dir, "stop", "--pidfile", pidfile))).endsWith("stopped");
        }
    }

    @Test
    void logsReopenStartsNewFilesAfterTheOldOnesWereMoved() throws Exception {
        Path events = dir.resolve("events.txt");
        Path pidFile = dir.resolve("pool.pid");
        String pidfile = pidFile.toString();
        Path out = dir.resolve("out.log");
        Path rotated = dir.resolve("out.log.1");
        try (CliProcess pool = CliProcess.start(dir, "master", events, pidFile, "run", "--workers", "2",
                "--stop-timeout", "5s", "--pidfile", pidfile, "--stdout", out.toString(), "--stderr",
                dir.resolve("err.log").toString(), "--classpath", TEST_CLASSES, RECORDING_WORKER, events.toString(),
                "--print")) {
            pool.awaitEvents("worker-main [01] \\d+ .*", 2);
            await().atMost(WAIT).until(() -> lines(out, "worker 1 line").size() >= 5);
            Files.move(out, rotated);
            await().atMost(WAIT).until(() -> lines(rotated, "worker 1 line").size() >= 10); // still writing there

            assertThat(ok(CliProcess.run(dir, "logs-reopen", "--pidfile", pidfile))).isNotBlank();

            await().atMost(WAIT).until(() -> Files.exists(out) && lines(out, "worker 0 line").size() >= 5
                    && lines(out, "worker 1 line").size() >= 5);
            for (int id = 0; id < 2; id++) {
                // the new file continues where the moved one stopped: nothing lost, nothing written twice
                long lastRotated = number(lines(rotated, "worker " + id + " line").getLast());
                long firstNew = number(lines(out, "worker " + id + " line").getFirst());
                assertThat(firstNew).as("worker %d", id).isEqualTo(lastRotated + 1);
            }
            assertThat(ok(CliProcess.run(dir, "stop", "--pidfile", pidfile))).endsWith("stopped");
        }
    }

    private static List<String> lines(Path file, String prefix) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        // the last line may be half written
        return Files.readAllLines(file, StandardCharsets.UTF_8).stream().filter(l -> l.matches(prefix + " \\d+"))
                .toList();
    }

    private static long number(String line) {
        return Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
    }

    private static String ok(Result result) {
        assertThat(result.exit()).as("%s", result).isZero();
        return result.out().strip();
    }
}
