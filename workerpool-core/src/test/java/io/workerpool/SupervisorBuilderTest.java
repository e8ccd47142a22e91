package io.workerpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerpool.internal.PoolConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** build() says what is wrong, with the value and what is allowed. */
class SupervisorBuilderTest {
    private static final WorkerFactory FACTORY = id -> {
        throw new AssertionError("the factory is never called in the master");
    };

    @Test
    void aBuilderLeftAloneBuildsTheLibrarysDefaults() {
        assertThat(Supervisor.builder(FACTORY).build().config()).isEqualTo(PoolConfig.DEFAULTS);
        assertThat(PoolConfig.DEFAULTS.workerIds()).containsExactly(0, 1);
        assertThat(PoolConfig.DEFAULTS.workerTimeout()).isEqualTo(Duration.ofSeconds(30));
    }

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
                .hasMessage("checkInterval (5s) must be shorter than workerTimeout (5s): a silent worker is only"
                        + " noticed on a check");
    }

    @Test
    void refusesDaemonModeWithoutAPidfileAndBlankJvmOptions() {
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).daemonize(true).build())
                .hasMessageStartingWith("daemonize(true) needs pidFile(path)");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).workerJvmOptions("-Xmx64m", " ").build())
                .hasMessageStartingWith("workerJvmOptions must not contain null or blank options");
    }

    private static final String LONG_NAME = "x".repeat(120);

    static Stream<Arguments> badSettings() {
        return Stream.of(
                bad("workers must be >= 1, got -3", b -> b.workers(-3)),
                bad("workerIds must name at least one id, got null", b -> b.workerIds((int[]) null)),
                bad("worker ids must be >= 0, got -2", b -> b.workerIds(0, -2)),
                bad("worker ids must be distinct, got 3 twice in [3, 3]", b -> b.workerIds(3, 3)),
                bad("checkInterval must be between 1 ms and 365 days, got PT0.0005S",
                        b -> b.checkInterval(Duration.ofNanos(500_000))),
                bad("workerTimeout must be between 1 ms and 365 days, got PT8784H",
                        b -> b.workerTimeout(Duration.ofDays(366))),
                bad("stopTimeout must be between 1 ms and 365 days, got PT2562047788015H12M55S",
                        b -> b.stopTimeout(Duration.ofSeconds(Long.MAX_VALUE / 1000))),
                bad("stopTimeout must be a positive duration, got null", b -> b.stopTimeout(null)),
                bad("maxWorkerAge must be a positive duration, got PT-1S", b -> b.maxWorkerAge(Duration.ofSeconds(-1))),
                bad("maxWorkerAge must be between 1 ms and 365 days, got PT87600H",
                        b -> b.maxWorkerAge(Duration.ofDays(3650))),
                bad("listenBacklog must be >= 1, got 0", b -> b.listenBacklog(0)),
                bad("spares must be >= 0, got -1", b -> b.spares(-1)),
                bad("maxWorkerRss must be >= 0 bytes (0: no limit), got -5", b -> b.maxWorkerRss(-5)),
                bad("maxWorkerPss must be >= 0 bytes (0: no limit), got -5", b -> b.maxWorkerPss(-5)),
                bad("listen address must be resolved, got unresolved no-such-host.invalid/<unresolved>:80: check the"
                        + " host name, or create it with new InetSocketAddress(host, port)",
                        b -> b.listen(InetSocketAddress.createUnresolved("no-such-host.invalid", 80))),
                bad("a pool shares one listening socket: give listen(0.0.0.0/0.0.0.0:0) or listenUnix(a.sock), not both",
                        b -> b.listen(new InetSocketAddress(0)).listenUnix(Path.of("a.sock"))),
                bad("workerJvmOptions must be JVM options starting with '-', like -Xmx64m, got 'Xmx64m' in [Xmx64m]",
                        b -> b.workerJvmOptions("Xmx64m")),
                bad("workerJvmOptions must not contain null or blank options, got [-Xmx64m, null]",
                        b -> b.workerJvmOptions("-Xmx64m", null)),
                bad("pidFile must name a file, got '/'", b -> b.pidFile(Path.of("/"))),
                bad("stdout must name a file, got ''", b -> b.stdout(Path.of(""))),
                bad("pidFile and controlSocket must be different files, got /tmp/p for both",
                        b -> b.pidFile(Path.of("/tmp/p")).controlSocket(Path.of("/tmp/p"))),
                bad("pidFile and stdout must be different files, got /tmp/p.pid for both",
                        b -> b.pidFile(Path.of("/tmp/p.pid")).stdout(Path.of("/tmp/x/../p.pid"))),
                bad("controlSocket and listenUnix must be different files, got /tmp/s for both",
                        b -> b.controlSocket(Path.of("/tmp/s")).listenUnix(Path.of("/tmp/s"))),
                bad("controlSocket path must be at most 107 bytes long (a Unix socket path), got 130 bytes: /tmp/"
                        + LONG_NAME + ".sock; choose a shorter controlSocket(path)",
                        b -> b.controlSocket(Path.of("/tmp", LONG_NAME + ".sock"))),
                bad("the control socket beside pidFile path must be at most 107 bytes long (a Unix socket path), got"
                        + " 130 bytes: /tmp/" + LONG_NAME + ".sock; choose a shorter pidFile path, or set"
                        + " controlSocket(path)", b -> b.pidFile(Path.of("/tmp", LONG_NAME + ".pid"))),
                bad("listenUnix path must be at most 107 bytes long (a Unix socket path), got 130 bytes: /tmp/"
                        + LONG_NAME + ".sock; choose a shorter path",
                        b -> b.listenUnix(Path.of("/tmp", LONG_NAME + ".sock"))));
    }

    private static Arguments bad(String message, UnaryOperator<Supervisor.Builder> setting) {
        return Arguments.of(message, setting);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badSettings")
    void buildSaysWhichSettingIsWrongWithItsValue(String message, UnaryOperator<Supervisor.Builder> setting) {
        assertThatThrownBy(() -> setting.apply(Supervisor.builder(FACTORY)).build())
                .isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void acceptsTheLimitsAndAValueAfterALongJvmOption() {
        assertThat(Supervisor.builder(FACTORY).checkInterval(Duration.ofMillis(1)).workerTimeout(Duration.ofDays(365))
                .stopTimeout(Duration.ofDays(365)).maxWorkerAge(Duration.ofDays(365)).spares(0).maxWorkerRss(0)
                .workerJvmOptions("--add-opens", "java.base/java.lang=ALL-UNNAMED", "-Xmx64m")
                .pidFile(Path.of("/tmp", "y".repeat(97) + ".pid")) // its socket beside it: 107 bytes
                .stdout(Path.of("/tmp/out.log")).stderr(Path.of("/tmp/out.log")).build()).isNotNull();
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
    void refusesAnAotCacheThatCannotBeWritten(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-dir/worker.aot");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).aotCache(missing).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("aotCache must be a file in an existing directory, got '" + missing + "': create "
                        + missing.getParent() + " first");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).aotCache(dir).build())
                .hasMessage("aotCache must be a file, got the directory '" + dir + "'");
        Path readOnly = java.nio.file.Files.createDirectory(dir.resolve("read-only"));
        java.nio.file.Files.setPosixFilePermissions(readOnly, java.nio.file.attribute.PosixFilePermissions.fromString("r-xr-xr-x"));
        org.junit.jupiter.api.Assumptions.assumeFalse(java.nio.file.Files.isWritable(readOnly), "root writes anywhere");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).aotCache(readOnly.resolve("w.aot")).build())
                .hasMessageEndingWith(readOnly + " is not writable");
    }

    @Test
    void acceptsAnAotCacheInAWritableDirectory(@org.junit.jupiter.api.io.TempDir Path dir) {
        assertThat(Supervisor.builder(FACTORY).aotCache(dir.resolve("worker.aot")).build()).isNotNull();
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
