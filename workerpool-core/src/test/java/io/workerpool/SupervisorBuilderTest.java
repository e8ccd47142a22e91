package io.workerpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** build() says what is wrong, with the value and what is allowed. */
class SupervisorBuilderTest {
    private static final WorkerFactory FACTORY = id -> {
        throw new AssertionError("the factory is never called in the master");
    };

    @Test
    void refusesFewerThanOneWorker() {
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).workers(0).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage("workers must be >= 1, got 0");
    }

    @Test
    void refusesDuplicateAndNegativeIds() {
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).workerIds(1, 2, 1).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("worker ids must be distinct, got 1 twice in [1, 2, 1]");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).workerIds(-1).build())
                .hasMessage("worker ids must be >= 0, got -1");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).workerIds().build())
                .hasMessage("workerIds must name at least one id, got none");
    }

    @Test
    void refusesNonPositiveDurations() {
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).stopTimeout(Duration.ZERO).build())
                .hasMessage("stopTimeout must be a positive duration, got PT0S");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).workerTimeout(Duration.ofSeconds(-1)).build())
                .hasMessage("workerTimeout must be a positive duration, got PT-1S");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).checkInterval(null).build())
                .hasMessage("checkInterval must be a positive duration, got null");
    }

    @Test
    void refusesACheckIntervalNotShorterThanTheWorkerTimeout() {
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).checkInterval(Duration.ofSeconds(5))
                .workerTimeout(Duration.ofSeconds(5)).build())
                .hasMessageStartingWith("checkInterval must be shorter than workerTimeout, got checkInterval PT5S"
                        + " and workerTimeout PT5S");
    }

    @Test
    void refusesDaemonModeWithoutAPidfileAndBlankJvmOptions() {
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).daemonize(true).build())
                .hasMessageStartingWith("daemonize(true) needs pidFile(path)");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).workerJvmOptions("-Xmx64m", " ").build())
                .hasMessageStartingWith("workerJvmOptions must not contain null or blank options");
    }

    @Test
    void refusesAReadyShareOutsideZeroToOne() {
        for (double share : new double[] {0, -0.5, 1.01, Double.NaN}) {
            assertThatThrownBy(() -> Supervisor.builder(FACTORY).readyShare(share).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("readyShare must be more than 0 and at most 1 (the share of workers that must run"
                            + " for /readyz to answer 200), got " + share);
        }
        Supervisor.builder(FACTORY).readyShare(1).metrics(new InetSocketAddress("127.0.0.1", 0)).build();
        Supervisor.builder(FACTORY).readyShare(0.01).build();
    }

    @Test
    void refusesAnUnresolvedMetricsAddressOrTheListenAddress() {
        assertThatThrownBy(() -> Supervisor.builder(FACTORY)
                .metrics(InetSocketAddress.createUnresolved("no-such-host.invalid", 9100)).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("metrics address must be resolved (an IP address or a host name this"
                        + " machine can resolve), got no-such-host.invalid");
        InetSocketAddress both = new InetSocketAddress("127.0.0.1", 8080);
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).listen(both).metrics(both).build())
                .hasMessage("metrics(/127.0.0.1:8080) must not be the listen(...) address: the workers serve that"
                        + " one; give metrics another port");
    }

    @Test
    void buildsWithDefaultsAndExplicitIds() {
        Supervisor supervisor = Supervisor.builder(FACTORY).build();
        assertThat(supervisor.workerIds()).containsExactlyInAnyOrder(0, 1);
        assertThat(Supervisor.builder(FACTORY).workerIds(3, 7).pidFile(Path.of("x.pid")).build().workerIds())
                .containsExactlyInAnyOrder(3, 7);
        assertThat(Supervisor.isWorkerProcess()).isFalse();
    }

    @Test
    void addAndRemoveBeforeMainChangeTheInitialIds() throws Exception {
        Supervisor supervisor = Supervisor.builder(FACTORY).workers(2).build();
        supervisor.addWorker(4);
        assertThatThrownBy(() -> supervisor.addWorker(4)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker 4 is already in the pool");
        assertThat(supervisor.removeWorker(0).get()).isZero();
        assertThat(supervisor.workerIds()).containsExactlyInAnyOrder(1, 4);
        assertThatThrownBy(() -> supervisor.removeWorker(9)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("worker 9 is not in the pool");
    }
}
