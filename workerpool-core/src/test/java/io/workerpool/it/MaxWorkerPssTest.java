package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** maxWorkerPss: a worker whose PSS (from its heartbeat's JVM sample) passes the limit is recycled. */
class MaxWorkerPssTest {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void recyclesAWorkerWhosePssPassesMaxWorkerPss() throws Exception {
        // heartbeats every second (workerTimeout / 5): the second carries the first sample
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 1).with("maxWorkerPssMb", 1)
                .with("workerTimeoutMs", 5_000).start()) {
            pool.awaitEvents("worker-main 0 \\d+", 2, START);
            assertThat(pool.log()).containsPattern("recycling it \\(recycle #1 of this id\\): PSS \\d+ MB passed"
                    + " maxWorkerPss 1 MB");
        }
    }
}
