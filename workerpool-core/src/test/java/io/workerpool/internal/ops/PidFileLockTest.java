package io.workerpool.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.workerpool.PoolStartException;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pidfile lock survives any other open and close of the same file inside the master JVM (issue 12, finding
 * 11): a POSIX record lock (the JDK's {@code FileChannel.tryLock}) would be dropped by the kernel at that close,
 * and a second master would start; the open-file-description lock is not.
 */
class PidFileLockTest {
    @TempDir
    Path dir;

    @Test
    void aCloseOfTheSameFileElsewhereInTheMasterJvmDoesNotDropTheLock() throws IOException {
        Path path = dir.resolve("pool.pid");
        try (PidFile held = PidFile.acquire(path, 4242)) {
            assertThat(locksOn(path)).as("the kernel's lock table right after acquire").isNotEmpty();

            // What application code in the master JVM might do: read the pidfile and close it.
            try (FileChannel other = FileChannel.open(path, StandardOpenOption.READ)) {
                assertThat(other.size()).isPositive();
            }

            assertThat(locksOn(path)).as("the kernel's lock table after another descriptor of the file was closed")
                    .isNotEmpty();
            // A second master (here: another open file description, which an OFD lock treats as a stranger
            // even in this process) is refused.
            assertThatThrownBy(() -> PidFile.acquire(path, 4343).close())
                    .isInstanceOf(PoolStartException.class)
                    .hasMessageContaining("another master is already running with pidfile")
                    .hasMessageContaining("pid 4242");
            assertThat(Files.readString(path)).isEqualTo("4242\n");
        }
        assertThat(Files.exists(path)).isFalse();
        assertThat(locksOn(dir.resolve("pool.pid"))).isEmpty();
        // Released: the next master takes it.
        try (PidFile next = PidFile.acquire(path, 4444)) {
            assertThat(Files.readString(path)).isEqualTo("4444\n");
        }
    }

    /** The lines of /proc/locks on the file's inode: "1: OFDLCK ADVISORY WRITE -1 08:01:1234 0 EOF". */
    private static List<String> locksOn(Path path) throws IOException {
        if (!Files.exists(path)) {
            return List.of();
        }
        String inode = String.valueOf(Files.getAttribute(path, "unix:ino"));
        return Files.readAllLines(Path.of("/proc/locks")).stream()
                .filter(line -> {
                    String[] fields = line.trim().split("\\s+");
                    return fields.length > 5 && fields[5].endsWith(":" + inode);
                })
                .toList();
    }
}
