package io.workerpool.internal.posix;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real worker JVM gets the listening socket from a {@link DescriptorHandoff.Server} in this JVM and adopts
 * it as its inherited channel. Adoption itself runs only in children: it works once per JVM, and it briefly
 * swaps descriptor 0, which in the test JVM is the build tool's command pipe.
 */
class PosixInheritedChannelTest {
    private static final byte[] SECRET = "worker-7-secret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void aWorkerJvmAcceptsOnTheHandedOverSocketBlockingAndNonBlocking() throws Exception {
        int listening = Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 16);
        try (DescriptorHandoff.Server server = DescriptorHandoff.Server.start(dir.resolve("handoff.sock"),
                secret -> Arrays.equals(secret, SECRET) ? new int[] {listening} : null);
                ChildJvm worker = ChildJvm.start("serve", server.path().toString(), HexFormat.of().formatHex(SECRET))) {
            InetSocketAddress address = Posix.localAddress(listening);
            assertThat(worker.awaitLine("READY ")).isEqualTo("READY /127.0.0.1:" + address.getPort());

            assertThat(pidAnsweringAt(address)).as("answer to the blocking accept").isEqualTo(worker.pid());
            assertThat(pidAnsweringAt(address)).as("answer to the selector's accept").isEqualTo(worker.pid());
            worker.awaitLine("SERVED");
            assertThat(worker.awaitExit()).isZero();
        } finally {
            Posix.close(listening);
        }
    }

    @Test
    void aWorkerJvmWithAWrongSecretIsRefused() throws Exception {
        int listening = Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 16);
        try (DescriptorHandoff.Server server = DescriptorHandoff.Server.start(dir.resolve("handoff.sock"),
                secret -> Arrays.equals(secret, SECRET) ? new int[] {listening} : null);
                ChildJvm worker = ChildJvm.start("receive", server.path().toString(), "00ff")) {
            assertThat(worker.awaitLine("RECEIVE")).startsWith("RECEIVE FAILED the master at " + server.path()
                    + " refused to hand over descriptors");
        } finally {
            Posix.close(listening);
        }
    }

    @Test
    void adoptionWorksOncePerJvmAndClosesTheSecondDescriptor() throws Exception {
        try (ChildJvm child = ChildJvm.start("adopt-twice")) {
            assertThat(child.awaitLine("FIRST ")).startsWith("FIRST /127.0.0.1:");
            assertThat(child.awaitLine("SECOND ")).isEqualTo("SECOND a socket was already adopted as this JVM's "
                    + "inherited channel: the JDK makes System.inheritedChannel() once per JVM, so adoption works "
                    + "only once");
            assertThat(child.awaitLine("SECOND FD CLOSED ")).isEqualTo("SECOND FD CLOSED true");
        }
    }

    @Test
    void aDescriptorThatIsNoSocketIsRefusedAndStdinStaysIntact() throws Exception {
        try (ChildJvm child = ChildJvm.start("adopt-not-socket")) {
            try (OutputStream stdin = child.process().getOutputStream()) {
                stdin.write("still stdin\n".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(child.awaitLine("REFUSED ")).contains("it is not a socket");
            assertThat(child.awaitLine("STDIN ")).isEqualTo("STDIN still stdin");
        }
    }

    @Test
    void closingTheChannelSendsStandardStreamsToDevNullUntilRestored() throws Exception {
        try (ChildJvm child = ChildJvm.start("close-detaches-streams")) {
            child.awaitLine("ADOPTED");
            child.awaitLine("RESTORED");
            assertThat(child.awaitExit()).isZero();
            assertThat(child.output()).as("printed while stdout was /dev/null").doesNotContain("AFTER CLOSE");
        }
    }

    private static long pidAnsweringAt(InetSocketAddress address) throws Exception {
        try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
            socket.setSoTimeout((int) Duration.ofSeconds(30).toMillis());
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII));
            return Long.parseLong(reader.readLine());
        }
    }
}
