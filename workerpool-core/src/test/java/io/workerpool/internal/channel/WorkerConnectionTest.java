package io.workerpool.internal.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.workerpool.internal.wire.ForwardedLogRecord;
import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import java.io.EOFException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The master's end of a worker channel, over a real Unix domain socket pair. */
class WorkerConnectionTest {
    @TempDir
    Path dir;

    /**
     * A worker that logged, said Stopping and exited before the master's reader got to its frames (a reader
     * starved on a loaded machine), while the loop sent it a Stop: the write fails (the peer is gone), and that
     * must not close the channel under the reader, which still has the worker's last records to replay. CI lost
     * a worker's records so (LogForwardingEndToEndTest, 1 run in ~40 under load).
     */
    @Test
    void aFailedWriteToAWorkerThatExitedLeavesItsUnreadFramesToTheReader() throws Exception {
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(dir.resolve("c.sock")));
            FrameChannel worker = new FrameChannel(SocketChannel.open(server.getLocalAddress()));
            FrameChannel master = new FrameChannel(server.accept());
            WorkerConnection connection = new WorkerConnection(0, 1, 42, master, why -> { });
            ForwardedLogRecord last = new ForwardedLogRecord(1, 20, "com.acme.Orders", "main", "last words", null, null);
            worker.send(new Message.LevelQuery(List.of("com.acme.Orders")));
            worker.send(new Message.LogBatch(List.of(last, last)));
            worker.send(new Message.Stopping());
            worker.close();

            connection.send(new Message.Stop());
            // once the writer has met the closed peer, nothing more is sent
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                try {
                    connection.send(new Message.Stop());
                    return false;
                } catch (ClosedChannelException e) {
                    return true;
                }
            });

            // a level query read now is answered into the void, and the reader goes on
            assertThat(master.receive()).isInstanceOf(Message.LevelQuery.class);
            connection.sendReply(new Message.LevelReply(java.util.Map.of("com.acme.Orders", 20)));
            assertThat(master.receive()).isInstanceOf(Message.LogBatch.class);
            assertThat(master.receive()).isInstanceOf(Message.Stopping.class);
            assertThatThrownBy(master::receive).isInstanceOf(EOFException.class);
            connection.close();
        }
    }
}
