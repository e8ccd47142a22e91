package io.workerpool.it.chaos;

import java.time.Duration;

/**
 * How a chaos run breaks the pool and what it tolerates afterwards.
 *
 * @param seed the random seed: the same seed replays the same choices (timing on a busy machine still varies)
 * @param workers pool size N
 * @param workerTimeout the pool's heartbeat timeout; short SIGSTOPs stay well under it, long ones well over it
 * @param warmUp chaos before the baseline is taken, so that the master's classes, JIT and thread pools have
 *     settled and the leak check compares like with like
 * @param chaos how long faults are injected after the baseline, with the client load on
 * @param crashLoopEvery how often one worker id is made to crash-loop (the first one a third into the chaos)
 * @param crashLoopLength how long each crash loop lasts
 * @param recoveryBound the most a round may take from its first fault until N workers run again, and the most
 *     the final recovery may take from the last fault
 * @param fdMargin, threadMargin, rssMarginKb how far above the baseline the master may end (see docs/reliability.md)
 * @param settle how long the leak check waits for the master to come back within its margins
 * @param clients client threads; {@code clientPause} between two requests of one thread
 */
public record ChaosSettings(long seed, int workers, Duration workerTimeout, Duration warmUp, Duration chaos,
                            Duration crashLoopEvery, Duration crashLoopLength, Duration recoveryBound,
                            int fdMargin, int threadMargin, long rssMarginKb, Duration settle, int clients,
                            Duration clientPause) {

    /**
     * Descriptors: one worker-channel connection per worker JVM, held until its reader meets the end of the stream, and
     * a JVM or two being replaced at any moment; a leak of one per restart passes this within a dozen restarts.
     */
    static final int FD_MARGIN = 10;
    /**
     * Threads: the JDK's process reapers (one per live child; idle ones linger 60 s), the virtual-thread carriers
     * and the JIT's compiler threads come and go; a leak of one per restart passes this within a dozen restarts.
     */
    static final int THREAD_MARGIN = 10;
    /**
     * RSS: the master's heap is fixed and touched up front (see {@link ChaosRun#MASTER_OPTIONS}), so this is native
     * memory, metaspace and code; runs so far moved by 0 to 9 MiB.
     */
    static final long RSS_MARGIN_KB = 16 * 1024;

    /**
     * The in-suite run: half a minute of chaos with one 10 s crash loop, bounds generous enough for a loaded
     * two-core machine (CI's time is bounded; {@code ./run-chaos} is the long run).
     */
    public static ChaosSettings suite(long seed) {
        return new ChaosSettings(seed, 4, Duration.ofSeconds(5), Duration.ofSeconds(8), Duration.ofSeconds(30),
                Duration.ofSeconds(120), Duration.ofSeconds(10), Duration.ofSeconds(60), FD_MARGIN, THREAD_MARGIN,
                RSS_MARGIN_KB,
                Duration.ofSeconds(20), 3, Duration.ofMillis(5));
    }

    /** The long run of {@code ./run-chaos}: a crash loop every two minutes, longer ones. */
    public static ChaosSettings soak(long seed, Duration chaos) {
        return new ChaosSettings(seed, 4, Duration.ofSeconds(5), Duration.ofSeconds(20), chaos,
                Duration.ofSeconds(120), Duration.ofSeconds(30), Duration.ofSeconds(60), FD_MARGIN, THREAD_MARGIN,
                RSS_MARGIN_KB,
                Duration.ofSeconds(70), 3, Duration.ofMillis(5));
    }

    /**
     * The most restarts a crash loop of {@code length} may cause, from the restart policy's backoff (first
     * delay 100 ms, doubling): the crash that starts it, then at most k quick exits with
     * 0.1 s * (2^(k-1) - 1) <= length, plus one exit in flight when the loop ends.
     */
    public static int crashLoopRestartBound(Duration length) {
        double tenths = length.toMillis() / 100.0;
        return 2 + (int) Math.floor(Math.log(tenths + 1) / Math.log(2)) + 1;
    }
}
