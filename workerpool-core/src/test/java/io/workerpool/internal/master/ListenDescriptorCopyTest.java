package io.workerpool.internal.master;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.internal.PoolConfig;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the descriptor handoff sends a worker is a copy of the listening socket made under the master's lock
 * (issue 12, finding 11): a stop that closes the master's descriptor between the lookup and the send, and a file
 * opened meanwhile that takes the freed number, cannot make the handoff send that file (or nothing) instead of
 * the listening socket. The race is played in order, in one thread: lookup, close, reuse, then what the send
 * would send.
 */
class ListenDescriptorCopyTest {
    @TempDir
    Path dir;

    @Test
    void whatTheHandoffSendsStaysTheListeningSocketAfterAStopClosesTheOriginalAndItsNumberIsReused()
            throws Exception {
        PoolConfig config = PoolConfig.builder().workerIds(List.of(0)).checkInterval(Duration.ofMillis(200))
                .workerTimeout(Duration.ofSeconds(2)).stopTimeout(Duration.ofMillis(500))
                .listen(new InetSocketAddress("127.0.0.1", 0)).listenBacklog(16).readyShare(0).build();
        MasterStartup startup = new MasterStartup(config);
        startup.start(event -> { });
        List<FileChannel> reusing = new ArrayList<>();
        int[] handed = null;
        try {
            InetSocketAddress listening = startup.listenAddress();
            handed = startup.openListenFd(); // the handoff's lookup, under the lock

            startup.closeListenSocket(); // a stop begins before the handoff sends
            Path file = Files.writeString(dir.resolve("reuse.txt"), "not a socket");
            for (int i = 0; i < 4; i++) { // the lowest free numbers, the freed one among them
                reusing.add(FileChannel.open(file, StandardOpenOption.READ));
            }

            assertThat(handed).hasSize(1);
            assertThat(Posix.isListeningSocket(handed[0])).as("descriptor %d is still a listening socket",
                    handed[0]).isTrue();
            assertThat(Posix.localAddress(handed[0])).isEqualTo(listening);
        } finally {
            for (FileChannel channel : reusing) {
                channel.close();
            }
            if (handed != null) {
                try {
                    Posix.close(handed[0]); // the handoff closes its copy once sent
                } catch (PosixException e) {
                    // closed already when it was not a copy: the assertions above have said so
                }
            }
            startup.close(null);
        }
    }
}
