package io.workerpool.internal.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sweep finds the worker-socket directories of killed masters under the socket's current name and under the
 * name older masters gave it ({@code control.sock}, from when the worker channel shared "control" with the
 * management socket), and leaves a directory whose socket is listened on, or that holds no socket.
 */
class StaleChannelDirectoriesNamesTest {
    @TempDir
    Path tmp;

    @Test
    void deadSocketsUnderEitherNameAreStaleALiveOneAndAnEmptyDirectoryAreNot() throws IOException {
        Path current = deadSocketIn("workerpool-current", WorkerChannelServer.SOCKET_NAME);
        Path older = deadSocketIn("workerpool-older", WorkerChannelServer.OLD_SOCKET_NAME);
        Files.createDirectory(tmp.resolve("workerpool-empty"));
        Path live = Files.createDirectory(tmp.resolve("workerpool-live"));
        try (ServerSocketChannel listening = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            listening.bind(UnixDomainSocketAddress.of(live.resolve(WorkerChannelServer.SOCKET_NAME)));

            List<Path> stale = StaleChannelDirectories.refusingDirectories(tmp, "workerpool-",
                    List.of(WorkerChannelServer.SOCKET_NAME, WorkerChannelServer.OLD_SOCKET_NAME), List.of());

            assertThat(stale).containsExactlyInAnyOrder(current, older);
        }
    }

    /** A directory holding a socket file nobody listens on, as a master killed with SIGKILL leaves it. */
    private Path deadSocketIn(String name, String socketName) throws IOException {
        Path directory = Files.createDirectory(tmp.resolve(name));
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(directory.resolve(socketName)));
        }
        return directory;
    }
}
