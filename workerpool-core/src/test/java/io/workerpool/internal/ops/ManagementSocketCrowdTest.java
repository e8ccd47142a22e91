package io.workerpool.internal.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The control socket's choice of whom to close when too many connections wait for their request: a client
 * whose request the kernel holds is never the one, however late the master's threads get to run. (It used to
 * choose by what a reader thread per connection had read so far: on a busy machine a real request that had
 * not been read yet was closed as "silent", and {@code status} got an empty answer.)
 */
class ManagementSocketCrowdTest {
    @TempDir
    Path dir;
    private ManagementSocket socket;
    private final List<SocketChannel> clients = new ArrayList<>();

    @AfterEach
    void close() throws IOException {
        for (SocketChannel client : clients) {
            client.close();
        }
        if (socket != null) {
            socket.close();
        }
    }

    @Test
    void aRequestSentBeforeACrowdOfSilentClientsIsAnsweredWhileTheMastersThreadsCannotRun() throws Exception {
        socket = ManagementSocket.open(dir.resolve("pool.sock"), null); // ping needs no pool
        for (int round = 0; round < 5; round++) {
            SocketChannel real = connect();
            real.write(ByteBuffer.wrap("ping\n".getBytes(StandardCharsets.UTF_8)));
            // Every carrier of virtual threads busy: a virtual thread of the master's runs only after this.
            AtomicBoolean spin = new AtomicBoolean(true);
            List<Thread> spinners = new ArrayList<>();
            for (int i = 0; i < Runtime.getRuntime().availableProcessors(); i++) {
                spinners.add(Thread.ofVirtual().start(() -> {
                    while (spin.get()) {
                        Thread.onSpinWait();
                    }
                }));
            }
            try {
                for (int i = 0; i < ManagementSocket.MAX_WAITING * 2; i++) {
                    connect(); // silent: each newcomer past the bound closes an older connection
                }
            } finally {
                spin.set(false);
                for (Thread spinner : spinners) {
                    spinner.join();
                }
            }
            assertThat(readUntilClosed(real)).as("round %d", round).isEqualTo("ok pong");
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        clients.add(channel);
        channel.connect(UnixDomainSocketAddress.of(socket.path()));
        return channel;
    }

    private static String readUntilClosed(SocketChannel channel) throws IOException {
        ByteBuffer in = ByteBuffer.allocate(4096);
        try {
            while (channel.read(in) >= 0 && in.hasRemaining()) {
                // until the master closes it
            }
        } catch (SocketException e) {
            // reset: closed by the master with the request unread
        }
        return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
    }
}
