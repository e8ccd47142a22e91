package io.workerpool.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Method;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Log records and level messages through the wire format and a real worker-channel socket. */
class LogWireRoundTripTest {
    @TempDir
    Path dir;

    @Test
    void recordWithThrowableCauseAndSuppressedSurvivesEncoding() throws Exception {
        ForwardedLogRecord original = sampleRecord();

        ForwardedLogRecord decoded = roundTrip(original);

        assertThat(decoded.timestampMillis()).isEqualTo(original.timestampMillis());
        assertThat(decoded.level()).isEqualTo(40);
        assertThat(decoded.loggerName()).isEqualTo("com.acme.Orders");
        assertThat(decoded.threadName()).isEqualTo("order-worker-1");
        assertThat(decoded.message()).isEqualTo("order 7 failed: ünïcødé ✓ 😀");
        assertThat(decoded.mdc()).isEqualTo(Map.of("request", "r-1", "user", "alice"));
        ThrowableData thrown = decoded.throwable();
        ThrowableData sent = original.throwable();
        assertThat(thrown.className()).isEqualTo("java.lang.IllegalStateException");
        assertThat(thrown.message()).isEqualTo("boom");
        assertThat(frames(thrown)).isEqualTo(frames(sent)).isNotEmpty();
        assertThat(thrown.cause().className()).isEqualTo("java.io.UncheckedIOException");
        assertThat(thrown.cause().cause().className()).isEqualTo("java.io.IOException");
        assertThat(thrown.cause().cause().message()).isNull();
        assertThat(frames(thrown.cause().cause())).isEqualTo(frames(sent.cause().cause()));
        assertThat(thrown.suppressed()).extracting(ThrowableData::message).containsExactly("close failed", "second");
        assertThat(thrown.suppressed().get(0).cause().message()).isEqualTo("suppressed cause");
    }

    @Test
    void framesPrintAsInTheWorkerWithoutLoaderAndJdkVersion() throws Exception {
        // A frame in a JDK module (java.base), reached through reflection, and frames of the app loader.
        Method thrower = LogWireRoundTripTest.class.getDeclaredMethod("fail");
        Throwable failure;
        try {
            thrower.invoke(null);
            throw new AssertionError("no exception");
        } catch (java.lang.reflect.InvocationTargetException e) {
            failure = e.getCause();
        }
        List<String> original = java.util.Arrays.stream(failure.getStackTrace()).map(String::valueOf).toList();
        assertThat(original).anyMatch(f -> f.startsWith("java.base/")).anyMatch(f -> f.startsWith("io.workerpool."));

        ForwardedLogRecord decoded = roundTrip(new ForwardedLogRecord(1, 40, "x", "t", "m", null,
                ThrowableData.of(failure)));

        assertThat(frames(decoded.throwable())).isEqualTo(original);
    }

    @Test
    void nullsAndEmptyValuesSurvive() throws Exception {
        ForwardedLogRecord decoded = roundTrip(new ForwardedLogRecord(5, 0, null, null, null,
                java.util.Collections.singletonMap("k", null), null));
        assertThat(decoded.loggerName()).isEqualTo("ROOT");
        assertThat(decoded.threadName()).isNull();
        assertThat(decoded.message()).isNull();
        assertThat(decoded.mdc()).isEmpty();
        assertThat(decoded.throwable()).isNull();
    }

    @Test
    void truncatedPayloadIsAProtocolError() {
        WireOutput out = new WireOutput();
        new Message.Log(sampleRecord()).writePayload(out);
        java.nio.ByteBuffer cut = out.buffer().limit(out.size() - 3);
        assertThatThrownBy(() -> Message.read(Message.Log.TYPE, new WireInput(cut)))
                .isInstanceOf(ProtocolException.class);
    }

    @Test
    void logLevelQueryAndReplyCrossARealWorkerChannelSocket() throws Exception {
        Path path = dir.resolve("channel.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            try (FrameChannel worker = new FrameChannel(SocketChannel.open(UnixDomainSocketAddress.of(path)));
                 FrameChannel master = new FrameChannel(server.accept())) {
                ForwardedLogRecord record = sampleRecord();
                worker.send(new Message.Log(record));
                worker.send(new Message.LevelQuery(List.of("a", "b.c")));
                master.send(new Message.LevelReply(Map.of("a", 10, "b.c", Message.LEVEL_OFF)));

                Message log = master.receive();
                assertThat(log).isInstanceOf(Message.Log.class);
                assertThat(frames(((Message.Log) log).record().throwable())).isEqualTo(frames(record.throwable()));
                assertThat(master.receive()).isEqualTo(new Message.LevelQuery(List.of("a", "b.c")));
                assertThat(worker.receive()).isEqualTo(new Message.LevelReply(Map.of("a", 10, "b.c", 50)));
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void manySmallFramesAndOneLargerThanTheReceiveBufferArriveIntact() throws Exception {
        Path path = dir.resolve("bulk.sock");
        String large = "0123456789".repeat(30_000); // 300 KB: more than a socket buffer and the receive buffer
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            try (FrameChannel worker = new FrameChannel(SocketChannel.open(UnixDomainSocketAddress.of(path)));
                 FrameChannel master = new FrameChannel(server.accept())) {
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        for (int i = 0; i < 5_000; i++) {
                            worker.send(new Message.Log(new ForwardedLogRecord(i, 20, "bulk", "t", "m" + i, null, null)));
                            if (i == 2_500) {
                                worker.send(new Message.Log(new ForwardedLogRecord(-1, 20, "bulk", "t", large, null, null)));
                            }
                        }
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                for (int i = 0; i < 5_000; i++) {
                    assertThat(((Message.Log) master.receive()).record().message()).isEqualTo("m" + i);
                    if (i == 2_500) {
                        assertThat(((Message.Log) master.receive()).record().message()).isEqualTo(large);
                    }
                }
                writer.join();
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void sendFromAThreadWithItsInterruptStatusSetKeepsTheChannelOpen() throws Exception {
        Path path = dir.resolve("interrupt.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            try (FrameChannel worker = new FrameChannel(SocketChannel.open(UnixDomainSocketAddress.of(path)));
                 FrameChannel master = new FrameChannel(server.accept())) {
                // "catch (InterruptedException e) { Thread.currentThread().interrupt(); log.warn(...); }"
                Thread.currentThread().interrupt();
                try {
                    worker.send(new Message.Heartbeat());
                    assertThat(Thread.currentThread().isInterrupted()).as("status restored").isTrue();
                } finally {
                    Thread.interrupted();
                }
                worker.send(new Message.Stopping());
                assertThat(master.receive()).isEqualTo(new Message.Heartbeat());
                assertThat(master.receive()).isEqualTo(new Message.Stopping());
            }
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @SuppressWarnings("unused") // invoked reflectively
    private static void fail() {
        throw new IllegalStateException("reflective");
    }

    static ForwardedLogRecord sampleRecord() {
        IllegalStateException failure = new IllegalStateException("boom",
                new java.io.UncheckedIOException("wrapped", new java.io.IOException()));
        IllegalArgumentException suppressed = new IllegalArgumentException("close failed",
                new RuntimeException("suppressed cause"));
        failure.addSuppressed(suppressed);
        failure.addSuppressed(new RuntimeException("second"));
        return new ForwardedLogRecord(1_700_000_000_456L, 40, "com.acme.Orders", "order-worker-1",
                "order 7 failed: ünïcødé ✓ 😀", Map.of("request", "r-1", "user", "alice"), ThrowableData.of(failure));
    }

    private static ForwardedLogRecord roundTrip(ForwardedLogRecord record) throws ProtocolException {
        WireOutput out = new WireOutput();
        new Message.Log(record).writePayload(out);
        Message read = Message.read(Message.Log.TYPE, new WireInput(out.buffer()));
        return ((Message.Log) read).record();
    }

    /** The frames as a JVM prints them: what a reader of the master's log sees. */
    private static List<String> frames(ThrowableData data) {
        return data.stack().stream().map(String::valueOf).toList();
    }
}
