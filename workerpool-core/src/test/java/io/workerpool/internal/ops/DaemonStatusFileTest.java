package io.workerpool.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's {@code <status>.partial} file sits beside the status file, maybe in a shared directory (issue 12,
 * finding 10): a link planted at its path is not written through; the daemon's word still reaches the launcher.
 */
class DaemonStatusFileTest {
    @TempDir
    Path shared;
    @TempDir
    Path outside;

    @Test
    void aSymbolicLinkPlantedAtThePartialFileIsNotWrittenThrough() throws IOException {
        Path victim = Files.writeString(outside.resolve("victim.txt"), "precious\n");
        Path status = shared.resolve("workerpool-daemon-123.status");
        Files.createSymbolicLink(shared.resolve("workerpool-daemon-123.status.partial"), victim);

        Daemon.report(status, "ready 4242");

        assertThat(Files.readString(victim)).isEqualTo("precious\n");
        assertThat(Files.isSymbolicLink(status)).as("the status file is a fresh file, not the planted link").isFalse();
        assertThat(Files.readString(status)).isEqualTo("ready 4242\n");
    }
}
