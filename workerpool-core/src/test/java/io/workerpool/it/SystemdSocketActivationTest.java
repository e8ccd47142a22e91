package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * systemd socket activation without systemd: a small Python program plays systemd's part. It binds a
 * listening socket, puts it on descriptor 3, sets LISTEN_FDS=1 and LISTEN_PID to its own pid, and execs the
 * master JVM, which keeps that pid. (ProcessBuilder can't pass a descriptor, and a shell can't make a socket;
 * systemd-socket-activate would wait for the first connection before starting the master.)
 */
class SystemdSocketActivationTest {
    private static final Duration START = Duration.ofSeconds(30);

    /** argv: MODE (tcp: a listening TCP socket; file: /dev/null, not a socket) PORT_FILE JAVA_COMMAND... */
    private static final String ACTIVATE = """
            import os, socket, sys
            mode, port_file, command = sys.argv[1], sys.argv[2], sys.argv[3:]
            if mode == 'tcp':
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(('127.0.0.1', 0))
                s.listen(64)
                fd, port = s.fileno(), s.getsockname()[1]
            else:
                fd, port = os.open('/dev/null', os.O_RDONLY), 0
            if fd != 3:
                os.dup2(fd, 3)
            os.set_inheritable(3, True)
            with open(port_file + '.tmp', 'w') as f:
                f.write(str(port))
            os.rename(port_file + '.tmp', port_file)
            env = dict(os.environ, LISTEN_FDS='1', LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES='http')
            os.execve(command[0], command, env)
            """;

    @TempDir
    Path dir;

    @BeforeAll
    static void needsPython() {
        assumeTrue(python3Runs(), "python3 is not installed: it plays systemd's part in socket activation here");
    }

    @Test
    void workersServeTheSocketSystemdPassedWithoutListenSettings() throws Exception {
        Path portFile = dir.resolve("port");
        try (PoolProcess pool = activated(portFile, "tcp").start()) {
            int port = awaitPort(portFile, pool);
            pool.awaitLog("using the socket passed by systemd (fd 3, 127.0.0.1:" + port + "), shared by all workers",
                    START);
            pool.awaitEvents("worker-start \\d+ \\d+", 2, START);

            Set<String> answers = new HashSet<>();
            for (int i = 0; i < 20; i++) {
                answers.add(ask(port));
            }

            Set<String> expected = Set.of("worker 0 " + pool.workerPid(0), "worker 1 " + pool.workerPid(1));
            assertThat(expected).containsAll(answers);
            assertThat(answers).isNotEmpty();
            for (long worker : new long[] {pool.workerPid(0), pool.workerPid(1)}) {
                assertThat(Files.readString(Path.of("/proc/" + worker + "/environ")))
                        .as("environment of worker pid " + worker).doesNotContain("LISTEN_FDS=", "LISTEN_PID=");
            }
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    @Test
    void thePassedSocketWinsOverListen() throws Exception {
        Path portFile = dir.resolve("port");
        // port 1 could not be bound without root: the master must not even try
        try (PoolProcess pool = activated(portFile, "tcp").with("listen", "127.0.0.1:1").start()) {
            int port = awaitPort(portFile, pool);
            pool.awaitLog("using the socket passed by systemd (fd 3, 127.0.0.1:" + port + ") instead of binding"
                    + " 127.0.0.1:1 (listen(...))", START);
            pool.awaitEvents("worker-start \\d+ \\d+", 2, START);

            assertThat(ask(port)).matches("worker [01] \\d+");
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    @Test
    void aPassedDescriptorThatIsNotASocketStopsTheStartWithTheReason() throws Exception {
        Path portFile = dir.resolve("port");
        try (PoolProcess pool = activated(portFile, "file").start()) {
            assertThat(pool.waitFor(START)).isNotZero();
            assertThat(pool.log()).contains("systemd passed 1 socket(s) (LISTEN_FDS=1), but descriptor 3 is not a"
                    + " socket");
            assertThat(pool.count("worker-start \\d+ \\d+")).isZero();
        }
    }

    private PoolProcess.Builder activated(Path portFile, String mode) {
        return PoolProcess.in(dir).mainClass("io.workerpool.testapp.ServingPool")
                .wrapper("python3", "-c", ACTIVATE, mode, portFile.toString());
    }

    private static int awaitPort(Path portFile, PoolProcess pool) {
        await().atMost(START).pollInterval(Duration.ofMillis(20))
                .alias("the activation wrapper wrote " + portFile + "\nlog:\n" + pool.tail())
                .until(() -> Files.exists(portFile));
        try {
            return Integer.parseInt(Files.readString(portFile).strip());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One connection: what the worker that accepted it says. */
    private static String ask(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
            socket.setSoTimeout(10_000);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            return in.readLine();
        }
    }

    private static boolean python3Runs() {
        try {
            Process python = new ProcessBuilder("python3", "--version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return python.waitFor(10, TimeUnit.SECONDS) && python.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
