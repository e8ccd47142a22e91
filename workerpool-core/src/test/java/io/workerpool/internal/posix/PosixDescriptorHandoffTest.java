package io.workerpool.internal.posix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Both ends of the handoff in this JVM; {@link PosixInheritedChannelTest} has a real worker JVM. */
class PosixDescriptorHandoffTest {
    private static final byte[] SECRET = "s3cret".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private Map<Integer, String> socketsBefore;
    private int listening = -1;

    @BeforeEach
    void openListeningSocket() throws IOException {
        socketsBefore = OpenDescriptors.sockets();
        listening = Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 16);
    }

    @AfterEach
    void closeAndCheckForLeaks() throws IOException {
        Posix.close(listening);
        assertThat(OpenDescriptors.sockets()).as("open sockets").isEqualTo(socketsBefore);
        assertThat(handoffThreads()).as("handoff threads still running").isEmpty();
    }

    @Test
    void handsOverANewDescriptorForTheSameSocket() throws Exception {
        try (DescriptorHandoff.Server server = start(secret -> Arrays.equals(secret, SECRET) ? new int[] {listening}
                : null)) {
            int[] received = DescriptorHandoff.receive(server.path(), SECRET);
            try {
                assertThat(received).hasSize(1);
                assertThat(received[0]).isNotEqualTo(listening);
                assertThat(Posix.localAddress(received[0])).isEqualTo(Posix.localAddress(listening));
                assertThat(Posix.isCloseOnExec(received[0])).isTrue();
            } finally {
                closeAll(received);
            }
        }
        assertThat(Posix.localAddress(listening)).as("the server leaves the original open").isNotNull();
    }

    @Test
    void handsOverSeveralDescriptorsInOrder() throws Exception {
        int second = Posix.openListeningSocket(new InetSocketAddress("127.0.0.1", 0), 16);
        try (DescriptorHandoff.Server server = start(secret -> new int[] {listening, second})) {
            int[] received = DescriptorHandoff.receive(server.path(), SECRET);
            try {
                assertThat(received).hasSize(2);
                assertThat(Posix.localAddress(received[0])).isEqualTo(Posix.localAddress(listening));
                assertThat(Posix.localAddress(received[1])).isEqualTo(Posix.localAddress(second));
            } finally {
                closeAll(received);
            }
        } finally {
            Posix.close(second);
        }
    }

    @Test
    void anUnknownSecretIsRefused() throws Exception {
        try (DescriptorHandoff.Server server = start(secret -> Arrays.equals(secret, SECRET) ? new int[] {listening}
                : null)) {
            byte[] wrong = "guess".getBytes(StandardCharsets.UTF_8);
            assertThatThrownBy(() -> DescriptorHandoff.receive(server.path(), wrong))
                    .isInstanceOf(PosixException.class)
                    .hasMessage("the master at " + server.path() + " refused to hand over descriptors: it does not "
                            + "know our secret, or we run as another user");
            // and the server goes on answering
            closeAll(DescriptorHandoff.receive(server.path(), SECRET));
        }
    }

    @Test
    void aKnownSecretWithNothingToHandOverGetsNoneNotARefusal() throws Exception {
        try (DescriptorHandoff.Server server = start(secret -> Arrays.equals(secret, SECRET) ? new int[0] : null)) {
            assertThat(DescriptorHandoff.receive(server.path(), SECRET)).isEmpty();
            assertThatThrownBy(() -> DescriptorHandoff.receive(server.path(), "guess".getBytes(StandardCharsets.UTF_8)))
                    .hasMessageContaining("refused to hand over descriptors");
        }
    }

    @Test
    void aLookupThatThrowsRefuses() throws Exception {
        try (DescriptorHandoff.Server server = start(secret -> {
            throw new IllegalStateException("lookup broke");
        })) {
            assertThatThrownBy(() -> DescriptorHandoff.receive(server.path(), SECRET))
                    .hasMessageContaining("refused to hand over descriptors");
        }
    }

    @Test
    void aPeerOfAnotherUserIsRefusedBeforeItsSecretIsRead() throws Exception {
        int otherUid = Posix.getuid() + 1;
        try (DescriptorHandoff.Server server = DescriptorHandoff.Server.start(dir.resolve("h.sock"),
                secret -> new int[] {listening}, otherUid)) {
            assertThatThrownBy(() -> DescriptorHandoff.receive(server.path(), SECRET))
                    .isInstanceOf(PosixException.class)
                    .hasMessageContaining("refused to hand over descriptors");
        }
    }

    @Test
    void peerCredentialsNameTheConnectingProcess() throws Exception {
        Path path = dir.resolve("p.sock");
        int server = Posix.openListeningUnixSocket(path, 4);
        int client = Sockets.connectUnix(path);
        int accepted = Sockets.accept(server);
        try {
            Sockets.PeerCredentials peer = Sockets.peerCredentials(accepted);
            assertThat(peer.pid()).isEqualTo(Posix.getpid());
            assertThat(peer.uid()).isEqualTo(Posix.getuid());
        } finally {
            closeAll(new int[] {accepted, client, server});
        }
    }

    @Test
    void theSocketFileIsForThisUserOnlyAndGoneAfterClose() throws Exception {
        Path path;
        try (DescriptorHandoff.Server server = start(secret -> new int[] {listening})) {
            path = server.path();
            assertThat(Files.getPosixFilePermissions(path))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
        assertThat(path).doesNotExist();
    }

    @Test
    void closeIsPromptEvenWhileAWorkerSitsSilentOnAConnection() throws Exception {
        DescriptorHandoff.Server server = start(secret -> new int[] {listening});
        try (SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            silent.connect(UnixDomainSocketAddress.of(server.path()));
            long started = System.nanoTime();
            server.close();
            assertThat(Duration.ofNanos(System.nanoTime() - started))
                    .isLessThan(DescriptorHandoff.EXCHANGE_TIMEOUT.dividedBy(4));
        } finally {
            server.close();
        }
    }

    @Test
    void closeIsIdempotent() throws Exception {
        DescriptorHandoff.Server server = start(secret -> null);
        server.close();
        server.close();
        assertThat(server.toString()).endsWith("closed]");
    }

    @Test
    void aMissingServerSaysSo() {
        Path nowhere = dir.resolve("nobody.sock");
        assertThatThrownBy(() -> DescriptorHandoff.receive(nowhere, SECRET))
                .isInstanceOf(PosixException.class)
                .hasMessage("cannot connect to unix socket " + nowhere + ": No such file or directory (ENOENT); no "
                        + "such socket: is the process that should listen there running?");
    }

    @Test
    void anOverlongSecretIsRejected() {
        byte[] overlong = new byte[DescriptorHandoff.MAX_SECRET_BYTES + 1];
        assertThatThrownBy(() -> DescriptorHandoff.receive(dir.resolve("any.sock"), overlong))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private DescriptorHandoff.Server start(Function<byte[], int[]> descriptorsForSecret) throws IOException {
        return DescriptorHandoff.Server.start(dir.resolve("handoff.sock"), descriptorsForSecret);
    }

    private static Set<Thread> handoffThreads() {
        Set<Thread> threads = Thread.getAllStackTraces().keySet();
        threads.removeIf(thread -> !thread.getName().equals("workerpool-descriptor-handoff"));
        return threads;
    }

    private static void closeAll(int[] descriptors) throws PosixException {
        for (int fd : descriptors) {
            Posix.close(fd);
        }
    }
}
