package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files the master opens in directories others may write to (a pidfile in /tmp) are never followed through a
 * symbolic link: a link planted at the pidfile's path is refused with one line, and its target is untouched.
 */
class HostileFilesTest {
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void aSymbolicLinkAtThePidfilePathIsRefusedAndItsTargetLeftAlone() throws Exception {
        Path victim = Files.writeString(dir.resolve("victim.txt"), "precious\n");
        Path pidfile = Files.createSymbolicLink(dir.resolve("pool.pid"), victim);
        try (PoolProcess pool = PoolProcess.in(dir).with("pidfile", pidfile).start()) {
            assertThat(pool.waitFor(START)).isNotZero();
            assertThat(pool.log()).contains("refusing pidfile " + pidfile + ": it is a symbolic link (to " + victim
                    + "), which the master does not follow; remove it or choose another path");
            assertThat(pool.events()).noneMatch(line -> line.startsWith("worker-"));
        }
        assertThat(Files.readString(victim)).isEqualTo("precious\n");
    }
}
