package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.it.HttpExchange.Failure;
import io.workerpool.it.HttpExchange.Outcome;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Graceful stop on a shared socket: a worker blocked in accept() stops at once (the library closes its copy of
 * the socket), and every request a worker accepted is answered before it exits.
 */
class SharedSocketGracefulStopTest {
    private static final long STOP_TIMEOUT_MS = 30_000;

    @TempDir
    Path dir;

    @Test
    void aWorkerBlockedInAcceptStopsAtOnceWhileAnAcceptedRequestIsAnswered() throws Exception {
        try (PoolProcess pool = HttpPools.startListening(HttpPools.in(dir).with("handlerThreads", 1)
                .with("stopTimeoutMs", STOP_TIMEOUT_MS), 2)) {
            int port = HttpPools.port(pool);
            CompletableFuture<Long> acceptedBy = new CompletableFuture<>();
            // held by its worker until the test creates the file "release": no timing guess involved
            CompletableFuture<Outcome> held = CompletableFuture.supplyAsync(
                    () -> HttpExchange.get(port, "/wait/release", 60_000, acceptedBy::complete));
            long busyPid = acceptedBy.get(30, TimeUnit.SECONDS);
            int busy = HttpPools.idOf(pool, busyPid);
            int idle = 1 - busy;
            long idlePid = pool.workerPid(idle);
            long sigterm = System.nanoTime();

            pool.signal("TERM");

            // The idle worker's only handler thread sits in accept(): only the close of its socket ends it.
            pool.awaitEvents("worker-shutdown " + idle + " " + idlePid, 1, Duration.ofSeconds(10));
            assertThat(held).as("the held request, while the idle worker has already stopped").isNotDone();
            assertThat(Signal.alive(busyPid)).isTrue();
            assertThat(pool.count("worker-shutdown " + busy + " \\d+")).isZero();

            Files.createFile(dir.resolve("release"));

            Outcome outcome = held.get(30, TimeUnit.SECONDS);
            assertThat(outcome.ok()).as("the held request: %s", outcome).isTrue();
            assertThat(outcome.pid()).isEqualTo(busyPid);
            assertThat(pool.waitFor(Duration.ofSeconds(30))).isZero();
            long stoppedMs = (System.nanoTime() - sigterm) / 1_000_000;
            assertThat(stoppedMs).as("ms from SIGTERM to the master's exit").isLessThan(STOP_TIMEOUT_MS / 2);
            assertThat(pool.count("worker-main-returned \\d+ \\d+")).isEqualTo(2);
            assertThat(pool.log()).doesNotContain("SIGKILL");
            assertThat(pool.allWorkerPids()).noneMatch(Signal::alive);
        }
    }

    /**
     * A JVM that asks for the socket after a stop closed the master's copy (CI saw it: a reload's new worker still
     * booting when {@code stop} came) is told there is nothing to hand over and exits quietly, instead of being
     * refused as a stranger ("does not know our secret") and logging an error with a stack trace.
     */
    @Test
    void aJvmThatAsksForTheSocketAfterTheStopClosedItExitsQuietly() throws Exception {
        Path hold = dir.resolve("hold");
        try (PoolProcess pool = HttpPools.startListening(HttpPools.in(dir).with("hold", hold)
                .jvmOption("-Djava.util.logging.config.class=io.workerpool.testapp.HoldingJulConfig"), 1)) {
            long oldPid = pool.workerPid(0);
            Files.createFile(hold);
            pool.signal("HUP"); // a reload: a new JVM for worker 0, held in its boot after its hello
            pool.awaitEvents("worker-held \\d+", 1, HttpPools.START);

            pool.signal("TERM");
            pool.awaitEvents("worker-shutdown 0 " + oldPid, 1, Duration.ofSeconds(30)); // the stop is under way
            Files.delete(hold);

            assertThat(pool.waitFor(Duration.ofSeconds(30))).as(pool.tail()).isZero();
            assertThat(pool.log()).contains("the pool is stopping: this JVM exits before it runs a worker")
                    .doesNotContain("could not receive").doesNotContain("refused").doesNotContain("ERROR")
                    .doesNotContain("SIGKILL");
            assertThat(pool.count("worker-start 0 \\d+")).as("workers that ran").isEqualTo(1);
        }
    }

    @Test
    void sigtermUnderLoadFailsNoRequestThatAWorkerAccepted() throws Exception {
        List<Outcome> outcomes;
        long sigterm;
        try (PoolProcess pool = HttpPools.startListening(HttpPools.in(dir).with("handlerThreads", 2)
                .with("holdMs", 50).with("stopTimeoutMs", STOP_TIMEOUT_MS), 2)) {
            int port = HttpPools.port(pool);
            try (ClientLoad load = ClientLoad.start(port, "/", 6, Duration.ofSeconds(40))) {
                HttpPools.awaitOutcomes(load, Outcome::ok, 50, "answers before SIGTERM");
                sigterm = System.nanoTime();

                pool.signal("TERM");

                assertThat(pool.waitFor(Duration.ofSeconds(30))).isZero();
                load.close();
                outcomes = load.outcomes();
            }
            assertThat(pool.log()).doesNotContain("SIGKILL");
            assertThat(pool.count("worker-main-returned \\d+ \\d+")).isEqualTo(2);
        }

        long acrossSigterm = outcomes.stream()
                .filter(o -> o.ok() && o.acceptedNanos() < sigterm && o.endNanos() > sigterm).count();
        System.out.printf("shared socket under SIGTERM: %d requests: %d answered (%d of them accepted before SIGTERM"
                + " and answered after it), %d not accepted (reset in the backlog), %d refused after the master"
                + " closed the socket, %d failed after acceptance%n", outcomes.size(),
                outcomes.stream().filter(Outcome::ok).count(), acrossSigterm,
                outcomes.stream().filter(o -> o.failure() == Failure.BEFORE_ACCEPT).count(),
                outcomes.stream().filter(o -> o.failure() == Failure.CONNECT).count(),
                outcomes.stream().filter(o -> o.failure() == Failure.AFTER_ACCEPT).count());
        assertThat(outcomes).filteredOn(o -> o.failure() == Failure.AFTER_ACCEPT)
                .as("requests a worker accepted and did not answer").isEmpty();
        assertThat(outcomes).filteredOn(o -> !o.ok() && o.endNanos() < sigterm).as("failures before SIGTERM")
                .isEmpty();
        assertThat(acrossSigterm).as("requests in flight at SIGTERM, answered").isPositive();
    }
}
