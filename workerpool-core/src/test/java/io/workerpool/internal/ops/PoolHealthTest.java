package io.workerpool.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.metrics.PoolSnapshot;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What /healthz and /readyz answer for a given snapshot and clock; the endpoints themselves: HealthEndpointsTest. */
class PoolHealthTest {
    private static final long SECOND = 1_000_000_000L;
    private static final Duration WINDOW = Duration.ofSeconds(5);

    private static PoolSnapshot snapshot(String state, int workers, int running, double share) {
        return new PoolSnapshot(state, 0, workers, running, PoolSnapshot.needed(workers, share), List.of(), 0);
    }

    @Test
    void livenessFailsOnceTheLoopMissedItsChecksForTheWholeWindow() {
        PoolSnapshot running = snapshot("RUNNING", 2, 2, 0.5);

        assertThat(PoolHealth.liveness(running, 10 * SECOND, 14 * SECOND, WINDOW))
                .isEqualTo(new PoolHealth.Answer(200, "ok: the pool is running, last check 4.0 s ago"));
        assertThat(PoolHealth.liveness(running, 10 * SECOND, 16 * SECOND, WINDOW)).isEqualTo(new PoolHealth.Answer(
                503, "not live: the master's loop has not run its check for 6.0 s (limit 5.0 s): it is stuck"));
        assertThat(PoolHealth.liveness(snapshot("STOPPING", 2, 0, 0.5), 10 * SECOND, 16 * SECOND, WINDOW).status())
                .isEqualTo(503);
    }

    @Test
    void livenessHoldsWhileNoLoopRunsYetOrAnyMore() {
        assertThat(PoolHealth.liveness(snapshot("STARTING", 2, 0, 0.5), 0, 100 * SECOND, WINDOW))
                .isEqualTo(new PoolHealth.Answer(200, "ok: the pool is starting"));
        assertThat(PoolHealth.liveness(snapshot("STOPPED", 2, 0, 0.5), 0, 100 * SECOND, WINDOW).status())
                .isEqualTo(200);
    }

    @Test
    void theLivenessWindowIsThreeCheckIntervalsAndAtLeastFiveSeconds() {
        assertThat(PoolHealth.livenessWindow(Duration.ofMillis(200))).isEqualTo(Duration.ofSeconds(5));
        assertThat(PoolHealth.livenessWindow(Duration.ofSeconds(10))).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void readinessNeedsTheShareOfWorkersRoundedUpWhileThePoolRuns() {
        assertThat(PoolHealth.readiness(snapshot("RUNNING", 4, 1, 0.5)))
                .isEqualTo(new PoolHealth.Answer(503, "not ready: 1 of 4 workers running, need 2"));
        assertThat(PoolHealth.readiness(snapshot("RUNNING", 4, 2, 0.5)))
                .isEqualTo(new PoolHealth.Answer(200, "ready: 2 of 4 workers running, need 2"));
        assertThat(PoolHealth.readiness(snapshot("RUNNING", 3, 2, 0.5)).status()).isEqualTo(200);
        assertThat(PoolHealth.readiness(snapshot("RUNNING", 10, 6, 0.7)).status()).isEqualTo(503);
        assertThat(PoolHealth.readiness(snapshot("RUNNING", 10, 7, 0.7)).status()).isEqualTo(200);
        assertThat(PoolHealth.readiness(snapshot("RUNNING", 1, 1, 0.01)).status()).isEqualTo(200);
        assertThat(PoolHealth.readiness(snapshot("RUNNING", 4, 3, 1.0)).status()).isEqualTo(503);
    }

    @Test
    void readinessFailsWhileThePoolStartsOrStops() {
        assertThat(PoolHealth.readiness(snapshot("STARTING", 2, 2, 0.5)))
                .isEqualTo(new PoolHealth.Answer(503, "not ready: the pool is starting"));
        assertThat(PoolHealth.readiness(snapshot("STOPPING", 2, 2, 0.5)))
                .isEqualTo(new PoolHealth.Answer(503, "not ready: the pool is stopping"));
        assertThat(PoolHealth.readiness(snapshot("STOPPED", 2, 0, 0.5)))
                .isEqualTo(new PoolHealth.Answer(503, "not ready: the pool has stopped"));
    }
}
