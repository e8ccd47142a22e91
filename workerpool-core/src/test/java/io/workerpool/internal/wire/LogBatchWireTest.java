package io.workerpool.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Message.LogBatch} across a real socket pair, and its bounds when the bytes are cut or forged. */
class LogBatchWireTest {
    @Test
    void batchesCrossInOrderWithEveryField() throws IOException {
        List<ForwardedLogRecord> first = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            first.add(new ForwardedLogRecord(i, 20, "bulk", "t" + (i % 3), "m" + i,
                    i % 2 == 0 ? Map.of() : Map.of("k", "v" + i), null));
        }
        ForwardedLogRecord withThrowable = new ForwardedLogRecord(-1, 40, "err", "main", "boom", Map.of(),
                ThrowableData.of(new IllegalStateException("broken")));
        try (var pair = new Pair()) {
            pair.worker.send(new Message.LogBatch(first));
            pair.worker.send(new Message.LogBatch(List.of(withThrowable)));

            Message received = pair.master.receive();
            assertThat(received).isInstanceOf(Message.LogBatch.class);
            assertThat(((Message.LogBatch) received).records()).isEqualTo(first);
            Message.LogBatch second = (Message.LogBatch) pair.master.receive();
            assertThat(second.records()).hasSize(1);
            assertThat(second.records().getFirst().message()).isEqualTo("boom");
            assertThat(second.records().getFirst().throwable().className())
                    .isEqualTo(IllegalStateException.class.getName());
        }
    }

    @Test
    void aCountLargerThanTheBytesThatFollowIsAProtocolError() {
        WireOutput out = new WireOutput();
        out.writeInt(1_000_000);
        new ForwardedLogRecord(1, 20, "x", "t", "m", null, null).write(out);
        assertThatThrownBy(() -> Message.read(Message.LogBatch.TYPE, new WireInput(out.buffer())))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void aCutBatchIsAProtocolError() {
        WireOutput out = new WireOutput();
        new Message.LogBatch(List.of(new ForwardedLogRecord(1, 20, "x", "t", "m", null, null),
                new ForwardedLogRecord(2, 20, "x", "t", "m", null, null))).writePayload(out);
        ByteBuffer cut = out.buffer().limit(out.size() - 3);
        assertThatThrownBy(() -> Message.read(Message.LogBatch.TYPE, new WireInput(cut)))
                .isInstanceOf(ProtocolException.class);
    }

    private static final class Pair implements AutoCloseable {
        final FrameChannel worker;
        final FrameChannel master;

        Pair() throws IOException {
            var dir = java.nio.file.Files.createTempDirectory("wp-batch");
            var path = dir.resolve("s");
            var server = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(java.net.UnixDomainSocketAddress.of(path));
            SocketChannel client = SocketChannel.open(java.net.UnixDomainSocketAddress.of(path));
            SocketChannel accepted = server.accept();
            server.close();
            java.nio.file.Files.delete(path);
            java.nio.file.Files.delete(dir);
            worker = new FrameChannel(client);
            master = new FrameChannel(accepted);
        }

        @Override
        public void close() throws IOException {
            worker.close();
            master.close();
        }
    }
}
