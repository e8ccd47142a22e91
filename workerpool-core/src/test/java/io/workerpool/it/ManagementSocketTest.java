package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The management socket beside the pidfile: status, scale, restart, stop; bad requests change nothing. */
class ManagementSocketTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    @Test
    void answersStatusScaleRestartAndStop() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        Path socket = dir.resolve("pool.sock");
        try (PoolProcess pool = PoolProcess.in(dir).with("pidfile", pidfile).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            // A worker's main() runs as soon as it has sent "started": the master may not have read it yet.
            pool.awaitLog("pool ready: 2 workers running", START);
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-------");

            String status = request(socket, "status");
            assertThat(status).startsWith("ok {\"pid\":" + pool.pid() + ",\"state\":\"RUNNING\"")
                    .contains("{\"id\":0,\"pid\":" + pool.workerPid(0) + ",\"state\":\"RUNNING\"")
                    .contains("{\"id\":1,\"pid\":" + pool.workerPid(1) + ",\"state\":\"RUNNING\"")
                    .containsPattern("\"rssBytes\":[1-9]\\d+");

            assertThat(request(socket, "scale 3")).isEqualTo("ok scaling to 3");
            pool.awaitEvent("worker-main 2 \\d+");

            long old0 = pool.workerPid(0);
            assertThat(request(socket, "restart 0")).isEqualTo("ok restarting worker 0");
            pool.awaitEvent("worker-shutdown 0 " + old0);
            assertThat(pool.workerPid(0)).isNotEqualTo(old0);

            assertThat(request(socket, "stop")).isEqualTo("ok stopping");
            assertThat(pool.waitFor(START)).isZero();
            assertThat(socket).doesNotExist();
        }
    }

    @Test
    void refusesARestartWhileAReloadRunsInsteadOfSayingOkAndIgnoringIt() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        Path socket = dir.resolve("pool.sock");
        Path hold = dir.resolve("hold-start");
        try (PoolProcess pool = PoolProcess.in(dir).with("pidfile", pidfile).with("holdStartWhileExists", hold)
                .start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);
            Files.writeString(hold, "x"); // the reload's first new worker stays short of ready

            assertThat(request(socket, "reload")).isEqualTo("ok reloading");
            assertThat(request(socket, "restart 1")).startsWith("error a reload (reload requested) is already"
                    + " running with 2 worker(s) to go; try again when it is done");
            assertThat(request(socket, "reload")).startsWith("error a reload (reload requested) is already running");

            Files.delete(hold);
            pool.awaitLog("reload completed (reload requested): 2 worker(s) replaced", START);
            assertThat(request(socket, "restart 1")).isEqualTo("ok restarting worker 1");
        }
    }

    @Test
    void refusesMalformedAndOversizedRequestsWithoutDisturbingThePool() throws Exception {
        Path pidfile = dir.resolve("pool.pid");
        Path socket = dir.resolve("pool.sock");
        try (PoolProcess pool = PoolProcess.in(dir).with("pidfile", pidfile).start()) {
            pool.awaitEvents("worker-main \\d+ \\d+", 2, START);

            assertThat(request(socket, "bogus")).startsWith("error unknown request 'bogus'");
            assertThat(request(socket, "scale zero")).isEqualTo("error workers must be a whole number, got 'zero'");
            assertThat(request(socket, "scale 0")).isEqualTo("error workers must be >= 1, got 0");
            assertThat(request(socket, "scale 1025")).isEqualTo("error workers must be at most 1024, got 1025");
            assertThat(request(socket, "restart 7")).startsWith("error worker 7 is not in the pool");
            assertThat(request(socket, "x".repeat(10_000))).isEqualTo("error request longer than 4096 bytes");
            assertThat(request(socket, "ping")).isEqualTo("ok pong");
            assertThat(pool.count("worker-start \\d+ \\d+")).isEqualTo(2);
            assertThat(pool.master().isAlive()).isTrue();
        }
    }

    static String request(Path socket, String line) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            try {
                while (out.hasRemaining()) {
                    channel.write(out);
                }
            } catch (IOException e) {
                // the master may answer and close before reading an oversized request to its end
            }
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            while (channel.read(in) >= 0) {
                if (!in.hasRemaining()) {
                    break;
                }
            }
            return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
        }
    }
}
