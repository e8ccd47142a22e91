package io.workerpool.cli;

import static io.workerpool.cli.CliProcess.RECORDING_WORKER;
import static io.workerpool.cli.CliProcess.TEST_CLASSES;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17: Ctrl-C at a terminal signals the whole foreground process group. The workers are in a session of
 * their own, so the SIGINT reaches the master alone, which interrupts each worker once over its channel: no
 * worker is found exiting by the master's message (no WARN), and the pool stops with status 0.
 */
class CliSignalsTest {
    @TempDir
    Path dir;

    @Test
    void ctrlCToTheForegroundGroupReachesEachWorkerOnceThroughTheMaster() throws Exception {
        Path events = dir.resolve("events.txt");
        try (CliProcess pool = CliProcess.startAsGroupLeader(dir, "master", events, null, "run", "--workers", "2",
                "--stop-timeout", "10s", "--classpath", TEST_CLASSES, RECORDING_WORKER, events.toString())) {
            pool.awaitEvents("worker-main [01] \\d+ .*", 2);
            long master = pool.process().pid();
            assertThat(sessionOf(master)).as("the test started the master as a group leader").isEqualTo(master);
            for (int id = 0; id < 2; id++) {
                long worker = pool.workerPid(id);
                assertThat(sessionOf(worker)).as("worker %d's session: its own, not the master's", id)
                        .isEqualTo(worker);
            }

            new ProcessBuilder("kill", "-INT", "--", "-" + master).start().waitFor(); // as the terminal does

            assertThat(pool.process().waitFor(60, TimeUnit.SECONDS)).as(pool.output()).isTrue();
            assertThat(pool.process().exitValue()).as(pool.output()).isZero();
            pool.awaitEvents("worker-shutdown [01] \\d+", 2);
            assertThat(pool.output()).doesNotContain(" WARN ").doesNotContain("could not send")
                    .as("TTIN/TTOU ignored at start is nothing to act on: DEBUG, not INFO")
                    .doesNotContain("was ignored when this JVM started");
        }
    }

    /** Field 6 of /proc/PID/stat: the session id. */
    private static long sessionOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[3]);
    }
}
