package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The workers' channel socket, opened by something that is not a worker. A starting master sweeps the temp
 * directory for the socket directories of killed masters without connecting to a live master's socket. A
 * connection closed without a byte (a tool testing the path) can do nothing: the master notes it at DEBUG. One
 * closed in the middle of its first frame is refused with a warning. Either way the pool runs on.
 */
class WorkerSocketProbeTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final String PROBE_NOTED = "a worker-channel connection closed without sending anything";

    @TempDir
    Path dir;

    @Test
    void aConnectionClosedWithoutAByteIsNoWarningAHalfFrameIs() throws Exception {
        // A private temporary directory: a master starting meanwhile (another test) probes every live worker
        // socket it finds in the shared one once, which would be one more probe line here.
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 1).jvmOption("-Djava.io.tmpdir=" + tmp).start()) {
            pool.awaitEvents("worker-main 0 \\d+", 1, START);
            long worker = pool.workerPid(0);
            Path socket = channelSocketOf(worker);

            try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                probe.connect(UnixDomainSocketAddress.of(socket));
            }
            pool.awaitLog(PROBE_NOTED, START);
            assertThat(pool.log()).doesNotContain("WARN");

            try (SocketChannel truncated = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                truncated.connect(UnixDomainSocketAddress.of(socket));
                truncated.write(ByteBuffer.wrap(new byte[] {0, 0, 0}));
            }
            pool.awaitLog("refused a worker-channel connection: worker channel closed by the peer in the middle of a"
                    + " frame", START);
            assertThat(pool.log()).containsOnlyOnce(PROBE_NOTED).containsOnlyOnce("WARN");

            assertThat(pool.workerPid(0)).as("worker 0 runs on").isEqualTo(worker);
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    @Test
    void aStartingMasterSweepsAKilledMastersDirectoryWithoutConnectingToALiveMaster() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        try (PoolProcess live = PoolProcess.in(Files.createDirectories(dir.resolve("live"))).with("workers", 1)
                .jvmOption("-Djava.io.tmpdir=" + tmp).start()) {
            live.awaitEvents("worker-main 0 \\d+", 1, START);
            assertThat(channelSocketOf(live.workerPid(0))).startsWith(tmp);
            // made now: the live master swept at its own start (it looks again only at what it saw then)
            Path stale = Files.createDirectory(tmp.resolve("workerpool-killed"));
            try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                dead.bind(UnixDomainSocketAddress.of(stale.resolve("channel.sock"))); // the file stays, unheard
            }
            // one killed master of an older version, whose worker socket was still called control.sock
            Path older = Files.createDirectory(tmp.resolve("workerpool-killed-older"));
            try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
                dead.bind(UnixDomainSocketAddress.of(older.resolve("control.sock")));
            }
            try (PoolProcess starting = PoolProcess.in(Files.createDirectories(dir.resolve("starting")))
                    .with("workers", 1).jvmOption("-Djava.io.tmpdir=" + tmp).start()) {
                // the sweep looked at both directories; only the dead one is removed, a second after its first look
                starting.awaitLog("removed " + stale + ", left by a master that was killed", START);
                assertThat(stale).doesNotExist();
                starting.awaitLog("removed " + older + ", left by a master that was killed", START);
                assertThat(older).doesNotExist();
                assertThat(live.log()).as("the live master's log: nothing connected to its worker socket")
                        .doesNotContain("worker-channel connection");
                // the sweep runs early in the start: a TERM before the signal handlers are in would kill it (143)
                starting.awaitEvents("worker-main 0 \\d+", 1, START);
                starting.signal("TERM");
                assertThat(starting.waitFor(START)).isZero();
            }
            live.signal("TERM");
            assertThat(live.waitFor(START)).isZero();
        }
    }

    /** The worker-channel socket a master gave its worker, from the worker's environment. */
    private static Path channelSocketOf(long workerPid) throws IOException {
        byte[] bytes = Files.readAllBytes(Path.of("/proc/" + workerPid + "/environ"));
        String prefix = "WORKERPOOL_CHANNEL_SOCKET=";
        return Arrays.stream(new String(bytes, StandardCharsets.UTF_8).split("\0"))
                .filter(v -> v.startsWith(prefix)).map(v -> Path.of(v.substring(prefix.length())))
                .findFirst().orElseThrow(() -> new AssertionError("worker " + workerPid + " has no " + prefix));
    }
}
