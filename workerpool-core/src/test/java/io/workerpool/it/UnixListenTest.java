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

/** listenUnix(path): the workers share one Unix domain listening socket; a stale file is replaced. */
class UnixListenTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void workersServeOneUnixSocketAndTheFileGoesWithThePool() throws Exception {
        Path socket = dir.resolve("app.sock");
        Files.writeString(socket, "stale"); // a leftover file: replaced, not an error
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
