package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management socket judges its clients by the uid the kernel gives (SO_PEERCRED), never by user names: a
 * pool running as uid 10001, which has no passwd entry (as in the shipped Docker image), is controlled by a
 * client of uid 10001 with every command; a client of another non-root uid is refused even when it can reach
 * the socket; root is accepted. Master and clients run under {@code setpriv}; needs root (skipped otherwise).
 */
class HostileManagementUidTest {
    private static final String UID = "10001";
    private static final String OTHER_UID = "10002";
    private static final Duration START = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    @Test
    void aUidWithoutAPasswdEntryRunsEveryCommandAnotherUidIsRefusedAndRootIsAccepted() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/setpriv")),
                "needs root and setpriv");
        assumeTrue(!Files.readString(Path.of("/etc/passwd")).contains(":" + UID + ":"), "uid 10001 has an entry");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
        String classPath = readableClassPath();
        Path socket = dir.resolve("pool.sock");
        try (PoolProcess pool = PoolProcess.in(dir).wrapper(setpriv(UID).toArray(String[]::new))
                .launch("-cp", classPath, "io.workerpool.testapp.TestPool")
                .with("pidfile", dir.resolve("pool.pid")).with("workers", 1).start()) {
            pool.awaitLog("pool ready", START);
            assertThat(Files.getAttribute(socket, "unix:uid")).isEqualTo(Integer.parseInt(UID));

            // root, as an admin's "sudo workerpool status"
            assertThat(ManagementSocketTest.request(socket, "status")).startsWith("ok {");

            // another uid, given a way to the socket: refused by the master itself, by uid
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw-rw-"));
            assertThat(client(OTHER_UID, socket, "status")).containsExactly(
                    "error only uid " + UID + " (?) or root may control this pool");
            assertThat(pool.log()).contains("refused a request from uid " + OTHER_UID);

            // the pool's own uid, without a name: every command
            List<String> answers = client(UID, socket, "ping", "status", "logs-reopen", "scale 2", "restart 0",
                    "reload", "stop");
            assertThat(answers).hasSize(7);
            assertThat(answers.get(0)).isEqualTo("ok pong");
            assertThat(answers.get(1)).startsWith("ok {");
            assertThat(answers.get(2)).startsWith("ok nothing to reopen");
            assertThat(answers.get(3)).isEqualTo("ok scaling to 2");
            assertThat(answers.get(4)).isEqualTo("ok restarting worker 0");
            // answered, not refused: the restart just before may still be running
            assertThat(answers.get(5)).matches("ok reloading|error a reload \\(restart of worker 0\\) is already running.*");
            assertThat(answers.get(6)).isEqualTo("ok stopping");
            assertThat(pool.waitFor(START)).isZero();
        }
    }

    private static List<String> setpriv(String uid) {
        return List.of("setpriv", "--reuid", uid, "--regid", uid, "--clear-groups");
    }

    /** Runs a tiny client (a single-file Java program) as {@code uid}; one request per connection, one answer each. */
    private List<String> client(String uid, Path socket, String... requests) throws IOException, InterruptedException {
        Path source = dir.resolve("UidClient.java");
        if (!Files.exists(source)) {
            Files.writeString(source, """
                    import java.net.*; import java.nio.*; import java.nio.channels.*; import java.nio.charset.*;
                    public class UidClient {
                        public static void main(String[] args) throws Exception {
                            for (int i = 1; i < args.length; i++) {
                                try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                                    c.connect(UnixDomainSocketAddress.of(args[0]));
                                    c.write(ByteBuffer.wrap((args[i] + "\\n").getBytes(StandardCharsets.UTF_8)));
                                    ByteBuffer in = ByteBuffer.allocate(65536);
                                    while (c.read(in) >= 0 && in.hasRemaining()) { }
                                    System.out.println(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip());
                                }
                            }
                        }
                    }
                    """);
        }
        List<String> command = new ArrayList<>(setpriv(uid));
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add(source.toString());
        command.add(socket.toString());
        command.addAll(List.of(requests));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        return out.lines().filter(line -> line.startsWith("ok") || line.startsWith("error")).toList();
    }

    /** This JVM's class path, with the entries another user cannot read (~/.m2 under /root) copied into dir. */
    private String readableClassPath() throws IOException {
        Path lib = Files.createDirectories(dir.resolve("lib"));
        List<String> entries = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            Path path = Path.of(entry);
            if (entry.startsWith("/root/") && Files.isRegularFile(path)) {
                Path copy = lib.resolve(entries.size() + "-" + path.getFileName());
                Files.copy(path, copy, StandardCopyOption.REPLACE_EXISTING);
                entries.add(copy.toString());
            } else {
                entries.add(entry);
            }
        }
        return String.join(java.io.File.pathSeparator, entries);
    }
}
