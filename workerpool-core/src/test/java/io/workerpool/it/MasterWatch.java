package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What the hostile catalogues check after every act against their shared pool: the master is alive, answered
 * {@code status} within 3 s throughout (a {@link StatusProber} asks every 100 ms), and its descriptors come back
 * within a margin of the baseline taken when the watch began.
 */
final class MasterWatch implements AutoCloseable {
    /**
     * A loop blocked on an offender would leave a probe unanswered until the exchange's 5 s deadline; an answer
     * within 3 s is a loop that was not. (1 s failed on healthy masters while the suite's other test JVM loaded
     * both cores: the bound is about blocking, not about speed, which the bench measures.)
     */
    static final long STATUS_BOUND_MS = 3_000;
    /** Threads, JIT, GC come and go: what the master may hold beyond its baseline apart from the offenders. */
    static final int FD_MARGIN = 16;

    private final PoolProcess pool;
    private final StatusProber prober;
    private final int baselineFds;

    /** Takes the baseline now: start it once the pool is ready and every lazy part of the master has run. */
    MasterWatch(PoolProcess pool, Path controlSocket) {
        this.pool = pool;
        this.baselineFds = ProcSample.of(pool.pid()).fds();
        this.prober = new StatusProber(controlSocket);
    }

    int baselineFds() {
        return baselineFds;
    }

    /** Before an act: forgets what the prober saw so far. */
    void reset() {
        prober.reset();
    }

    /** Runs what the test does to the master outside the pool's doing (a heap histogram) between two probes. */
    <T> T pausedDuring(java.util.concurrent.Callable<T> action) throws Exception {
        return prober.pausedDuring(action);
    }

    /** After an act. */
    void assertUndisturbed() {
        assertThat(pool.master().isAlive()).as("master alive\n%s", pool.tail()).isTrue();
        assertThat(prober.failure()).as("status failures").isNull();
        assertThat(prober.slowestMs()).as("slowest status answer (ms)").isLessThan(STATUS_BOUND_MS);
        await().atMost(Duration.ofSeconds(20)).alias("master fds back within " + FD_MARGIN + " of " + baselineFds)
                .until(() -> ProcSample.of(pool.pid()).fds() <= baselineFds + FD_MARGIN);
    }

    @Override
    public void close() throws InterruptedException {
        prober.close();
    }
}
