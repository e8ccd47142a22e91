package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** spares(n): a warmed JVM takes a dead worker's id; it ran no factory or callback before. */
class HotSparesTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void aHotSpareTakesOverAKilledWorkerAndIsReplacedInTheBackground() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).with("spares", 1).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            pool.awaitLog("hot spare -1 [SPARE] (pid ", START);
            long sparePid = sparePid(pool.log(), 1);
            pool.awaitLog("hot spare -1 [SPARE] (pid " + sparePid + "): warmed, ready to take over", START);
            // warmed but idle: no factory, no callbacks in the spare yet
            assertThat(pool.events()).noneMatch(line -> line.endsWith(" " + sparePid));

            long killed = pool.workerPid(0);
            Signal.send(killed, "KILL");

            pool.awaitEvents("worker-main 0 \\d+", 2, START);
            assertThat(pool.workerPid(0)).isEqualTo(sparePid);
            assertThat(pool.log()).contains("takes over");
            pool.awaitLog("hot spare -2 [SPARE] (pid ", START);
            assertThat(pool.count("worker-start 1 \\d+")).isEqualTo(1);

            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
            assertThat(Signal.alive(sparePid(pool.log(), 2))).isFalse();
        }
    }

    private static long sparePid(String log, int spare) {
        Matcher m = Pattern.compile("hot spare -" + spare + " \\[SPARE\\] \\(pid (\\d+)\\)").matcher(log);
        if (!m.find()) {
            throw new AssertionError("no hot spare -" + spare + " in the log");
        }
        return Long.parseLong(m.group(1));
    }
}
