package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * listenUnix(path): the workers share one Unix domain listening socket; a stale socket file is replaced, but
 * anything else at the path is left alone and refused.
 */
class UnixListenTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void workersServeOneUnixSocketAndTheFileGoesWithThePool() throws Exception {
        Path socket = dir.resolve("app.sock");
        // a socket file left by a master that died (closing a bound socket leaves its file): replaced, not an error
        java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                .bind(UnixDomainSocketAddress.of(socket)).close();
        assertThat(socket).exists();
        try (PoolProcess pool = PoolProcess.in(dir).with("behaviour", "serve").with("listenUnix", socket).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            Set<String> workers = Set.of("0 " + pool.workerPid(0), "1 " + pool.workerPid(1));
            for (int i = 0; i < 6; i++) {
                assertThat(workers).contains(ask(socket));
            }
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
            assertThat(socket).doesNotExist();
            assertThat(pool.log()).contains("listening on unix socket " + socket);
        }
    }

    @Test
    void aFileThatIsNotASocketIsLeftAloneAndTheStartFails() throws Exception {
        Path file = dir.resolve("app.sock");
        Files.writeString(file, "not a socket");
        try (PoolProcess pool = PoolProcess.in(dir).with("listenUnix", file).start()) {
            assertThat(pool.waitFor(START)).isEqualTo(1);
            assertThat(pool.log()).contains("io.workerpool.PoolStartException: cannot use " + file + " as the unix"
                    + " socket to listen on: a file is there; remove it or choose another path")
                    .doesNotContain("\tat ").doesNotContain("pool starting");
            assertThat(file).hasContent("not a socket");
        }
    }

    private static String ask(Path socket) throws Exception {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer in = ByteBuffer.allocate(256);
            while (channel.read(in) >= 0) {
                if (!in.hasRemaining()) {
                    break;
                }
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
        }
    }
}
