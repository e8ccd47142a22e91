package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The futures of reload, restart and scale (issue 17 point 4) complete with the outcome: done once it is reached,
 * refused with the reason, aborted when the pool stops under a reload; none is left waiting.
 */
class OperationOutcomeTest {
    @TempDir
    Path dir;

    @Test
    void reloadRestartAndScaleFuturesCompleteWithTheirOutcome() throws Exception {
        try (PoolProcess pool = PoolProcess.in(dir).mainClass("io.workerpool.testapp.OutcomePool").start()) {
            pool.awaitEvent("scale-up done: scaled to 2 workers");
            // done means reached: worker 1's onStart ran (it reports started after it) before the future completed;
            // "worker-main" would race the future, since main() runs after the worker has reported started
            assertThat(pool.events().indexOf(pool.events().stream().filter(l -> l.startsWith("worker-start 1 "))
                    .findFirst().orElseThrow())).isLessThan(pool.events().indexOf("scale-up done: scaled to 2 workers"));
            pool.awaitEvent("restart-unknown failed: refused: worker 7 is not in the pool .*");
            pool.awaitEvent("reload done: completed \\(reload requested\\): 2 worker\\(s\\) replaced in .*");
            pool.awaitEvent("scale-down done: scaled to 1 worker");
            pool.awaitEvent("reload-stopped failed: aborted \\(reload requested\\): the pool is stopping");
            assertThat(pool.waitFor(Duration.ofSeconds(30))).isZero();
            assertThat(pool.events()).noneMatch(l -> l.startsWith("driver-failed"));
        }
    }
}
