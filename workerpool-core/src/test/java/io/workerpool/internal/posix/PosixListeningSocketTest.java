package io.workerpool.internal.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PosixListeningSocketTest {
    @TempDir
    Path dir;

    private Map<Integer, String> socketsBefore;

    @BeforeEach
    void noteOpenDescriptors() throws IOException {
        socketsBefore = OpenDescriptors.sockets();
    }

    @AfterEach
    void leaksNoDescriptor() throws IOException {
        assertThat(OpenDescriptors.sockets()).as("open sockets").isEqualTo(socketsBefore);
    }

    @Test
    void portZeroPicksAPortThatAcceptsConnections() throws Exception {
        int fd = Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 16);
        try {
            InetSocketAddress bound = Posix.localAddress(fd);
            assertThat(bound.getAddress().getHostAddress()).isEqualTo("127.0.0.1");
            assertThat(bound.getPort()).isPositive();
            // the kernel completes the handshake into the accept queue: nobody needs to accept
            try (Socket client = new Socket(bound.getAddress(), bound.getPort())) {
                assertThat(client.isConnected()).isTrue();
            }
            assertThat(Posix.isCloseOnExec(fd)).isTrue();
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void listensOnIpv6() throws Exception {
        assumeTrue(hasIpv6Loopback(), "no IPv6 loopback here");
        int fd = Posix.openListeningSocket(new InetSocketAddress("::1", 0), 16);
        try {
            InetSocketAddress bound = Posix.localAddress(fd);
            assertThat(bound.getAddress()).isEqualTo(InetAddress.getByName("::1"));
            try (Socket client = new Socket(bound.getAddress(), bound.getPort())) {
                assertThat(client.isConnected()).isTrue();
            }
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void listensOnTheWildcardAddress() throws Exception {
        int fd = Posix.openListeningSocket(new InetSocketAddress(0), 16);
        try {
            int port = Posix.localAddress(fd).getPort();
            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                assertThat(client.isConnected()).isTrue();
            }
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void aPortInUseGivesTheAddressTheCauseAndAHint() throws Exception {
        try (ServerSocket other = new ServerSocket(0, 8, InetAddress.getByName("127.0.0.1"))) {
            int port = other.getLocalPort();
            assertThatThrownBy(() -> Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", port), 16))
                    .isInstanceOf(PosixException.class)
                    .hasMessage("cannot listen on 127.0.0.1:" + port
                            + ": Address already in use (EADDRINUSE); is another server on that port?")
                    .satisfies(e -> assertThat(((PosixException) e).errnoName()).isEqualTo("EADDRINUSE"));
        }
    }

    @Test
    void rejectsAnUnresolvedAddressAndABadBacklog() {
        assertThatThrownBy(() -> Posix.openListeningSocket(InetSocketAddress.createUnresolved("example.org", 80), 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("example.org:80");
        assertThatThrownBy(() -> Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("listen backlog must be at least 1, got 0");
    }

    @Test
    void listensOnAUnixSocket() throws Exception {
        Path path = dir.resolve("s.sock");
        int fd = Posix.openListeningUnixSocket(path, 8);
        try {
            assertThat(Posix.isCloseOnExec(fd)).isTrue();
            try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                assertThat(client.connect(UnixDomainSocketAddress.of(path))).isTrue();
            }
            assertThatThrownBy(() -> Posix.localAddress(fd)).isInstanceOf(PosixException.class)
                    .hasMessageContaining("not an IPv4 or IPv6 socket");
        } finally {
            Posix.close(fd);
        }
    }

    @Test
    void aUnixSocketFileInTheWaySaysWhatToDo() throws Exception {
        Path path = dir.resolve("s.sock");
        Files.createFile(path);
        assertThatThrownBy(() -> Posix.openListeningUnixSocket(path, 8))
                .isInstanceOf(PosixException.class)
                .hasMessageStartingWith("cannot listen on unix socket " + path
                        + ": Address already in use (EADDRINUSE); the file exists")
                .hasMessageContaining("Then remove it");
    }

    @Test
    void aUnixSocketPathOverTheKernelLimitIsRejectedBeforeTheCall() {
        Path path = dir.resolve("x".repeat(120));
        assertThatThrownBy(() -> Posix.openListeningUnixSocket(path, 8))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("use a shorter directory");
    }

    private static boolean hasIpv6Loopback() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
