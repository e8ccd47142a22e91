package io.workerpool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
    void refusesAnAotCacheThatCannotBeWritten(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path missing = dir.resolve("no-such-dir/worker.aot");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).aotCache(missing).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("aotCache must be a file in an existing directory, got " + missing + ": create "
                        + missing.getParent() + " first");
        assertThatThrownBy(() -> Supervisor.builder(FACTORY).aotCache(dir).build())
                .hasMessage("aotCache must be a file, got the directory " + dir);
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
