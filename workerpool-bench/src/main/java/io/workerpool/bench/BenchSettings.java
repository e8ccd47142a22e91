package io.workerpool.bench;

import java.time.Duration;

/**
 * How much of each benchmark a run does. A full run takes six to seven minutes on two busy cores;
 * {@code --quick} about two, with fewer repetitions, shorter phases and no AOT-cache variant (good
 * for trying the harness, not for a report).
 *
 * @param repetitions   how often each figure is measured; the table shows min / median / max over them
 * @param kills         SIGKILLed workers per repetition and peer (the bare JVM is started as often)
 * @param poolWorkers   workers of the restart, cold start, footprint and log pools
 * @param httpWorkers   workers of the HTTP servers
 * @param settle        wait after a pool is ready before its idle CPU is measured (start-up JIT dies down)
 * @param idleWindow    how long the idle master's CPU time is measured
 * @param killGap       pause after a replacement is ready (and after each bare JVM start) before going on
 * @param minUptime     a worker is killed only once it has been up this long: the master backs off from
 *                      restarting one that dies within 1 s of its start, which is not what is measured
 * @param floodRecords  records each of the 4 log producers writes
 * @param httpWarmup    wrk run before each measured one, not counted (JIT, connection set-up)
 * @param httpDuration  measured wrk run
 */
record BenchSettings(boolean quick, int repetitions, int kills, int poolWorkers, int httpWorkers, Duration settle,
        Duration idleWindow, Duration killGap, Duration minUptime, long floodRecords, Duration httpWarmup,
        Duration httpDuration) {

    static BenchSettings fullRun() {
        return new BenchSettings(false, 3, 10, 4, 2, Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofMillis(250), Duration.ofMillis(1200), 125_000, Duration.ofSeconds(5),
                Duration.ofSeconds(10));
    }

    static BenchSettings quickRun() {
        return new BenchSettings(true, 2, 4, 4, 2, Duration.ofSeconds(1), Duration.ofSeconds(2),
                Duration.ofMillis(250), Duration.ofMillis(1200), 25_000, Duration.ofSeconds(2),
                Duration.ofSeconds(3));
    }
}
