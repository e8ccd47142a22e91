package io.workerpool.testapp;

import io.workerpool.internal.wire.FrameChannel;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.WorkerEnvironment;
import io.workerpool.internal.worker.logging.LogForwarding;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Worker behaviours of the fault-injection tests ({@code TestPool}'s {@code flood} and {@code hostile-*}).
 *
 * <p>{@code flood}: writes {@code -DfloodMb} MB to stdout and {@code -DfloodErrMb} MB to stderr, in lines of
 * {@value #LINE_BYTES} bytes written whole (a line never shares a write with anything else), then records
 * {@code flood-done <id> <pid> <stdout bytes> <stderr bytes>}; with {@code -Dgo=FILE}, once that file exists.
 *
 * <p>{@code hostile-<act>}: once the file {@code -Dgo} exists, the first JVM of that worker id to get
 * there (the file {@code -Dhostile.once}{@code .<id>} marks it) abuses its worker channel: {@code close} (half-closes it), {@code garbage}
 * (a frame of an unknown type), {@code oversized} (a length prefix beyond the limit), {@code hello-again} (a
 * second hello on its own channel, claiming worker 0), {@code forge-own} / {@code forge-stolen} (a new
 * connection claiming worker 0, with its own secret / with worker 0's, read from /proc/&lt;pid&gt;/environ
 * of the pid written in the go file). The worker's own channel is reached by reflection: tests run on the
 * class path.
 */
final class FaultBehaviours {
    static final int LINE_BYTES = 100;
    private static final int LINES_PER_WRITE = 640;

    private FaultBehaviours() {
    }

    static void flood(int id, long pid, Path events) throws IOException, InterruptedException {
        awaitGo();
        long outBytes = write(FileDescriptor.out, "out", id, Long.getLong("floodMb", 100));
        long errBytes = write(FileDescriptor.err, "err", id, Long.getLong("floodErrMb", 0));
        TestPool.record(events, "flood-done " + id + " " + pid + " " + outBytes + " " + errBytes);
    }

    /** Lines "flood-out 0 000000042 xxx...\n" (sequence numbers from 0), 640 per write, straight to the descriptor. */
    private static long write(FileDescriptor fd, String stream, int id, long megabytes) throws IOException {
        long lines = megabytes * 1024 * 1024 / LINE_BYTES;
        FileOutputStream out = new FileOutputStream(fd); // not closed: it would close the JVM's stdout
        byte[] chunk = new byte[LINE_BYTES * LINES_PER_WRITE];
        Arrays.fill(chunk, (byte) 'x');
        byte[] prefix = ("flood-" + stream + " " + id + " ").getBytes(StandardCharsets.US_ASCII);
        long written = 0;
        for (long line = 0; line < lines; ) {
            int inChunk = (int) Math.min(LINES_PER_WRITE, lines - line);
            for (int i = 0; i < inChunk; i++, line++) {
                int at = i * LINE_BYTES;
                System.arraycopy(prefix, 0, chunk, at, prefix.length);
                long n = line;
                for (int digit = 8; digit >= 0; digit--, n /= 10) {
                    chunk[at + prefix.length + digit] = (byte) ('0' + n % 10);
                }
                chunk[at + prefix.length + 9] = ' ';
                chunk[at + LINE_BYTES - 1] = '\n';
            }
            out.write(chunk, 0, inChunk * LINE_BYTES);
            written += (long) inChunk * LINE_BYTES;
        }
        return written;
    }

    /** Waits for the go file, then acts once per pool; returns at once in later JVMs. */
    static void hostile(String act, int id, long pid, Path events) throws Exception {
        Path go = awaitGo();
        try {
            Files.createFile(Path.of(System.getProperty("hostile.once") + "." + id));
        } catch (FileAlreadyExistsException e) {
            return; // a replacement: behave
        }
        FrameChannel channel = ownChannel();
        SocketChannel socket = (SocketChannel) field(channel, "channel");
        TestPool.record(events, "hostile " + act + " " + id + " " + pid);
        switch (act) {
            case "close" -> socket.shutdownOutput();
            // length 9: type 127 (none) and 8 bytes; written between two frames
            case "garbage" -> writeRaw(channel, socket, new byte[] {0, 0, 0, 9, 127, 'g', 'a', 'r', 'b', 'a', 'g', 'e', '!'});
            // a log frame (type 5) of 2 MB, twice the limit; only its header is sent
            case "oversized" -> writeRaw(channel, socket, new byte[] {0, 0x20, 0, 0, 5, 0, 0, 0});
            case "hello-again" -> channel.send(new Message.Hello(0, pid, System.getenv(WorkerEnvironment.SECRET)));
            case "forge-own" -> connectAs(0, pid, System.getenv(WorkerEnvironment.SECRET));
            case "forge-stolen" -> connectAs(0, pid, secretOf(Long.parseLong(Files.readString(go).strip())));
            default -> throw new IllegalArgumentException("unknown hostile act " + act);
        }
        TestPool.record(events, "hostile-done " + act + " " + id + " " + pid);
    }

    /** Waits until the file {@code -Dgo} exists, when that property is set. */
    private static Path awaitGo() throws InterruptedException {
        String name = System.getProperty("go");
        Path go = name == null ? null : Path.of(name);
        while (go != null && !Files.exists(go)) {
            Thread.sleep(20);
        }
        return go;
    }

    private static void writeRaw(FrameChannel channel, SocketChannel socket, byte[] bytes) {
        channel.whileNotSending(() -> {
            try {
                ByteBuffer buffer = ByteBuffer.wrap(bytes);
                while (buffer.hasRemaining()) {
                    socket.write(buffer);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** A second connection to the master's worker socket, with a hello; the master should refuse it. */
    private static void connectAs(int workerId, long pid, String secret) throws IOException {
        try (SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            socket.connect(UnixDomainSocketAddress.of(System.getenv(WorkerEnvironment.CHANNEL_SOCKET)));
            FrameChannel forged = new FrameChannel(socket);
            forged.send(new Message.Hello(workerId, pid, secret));
            try {
                Message reply = forged.receive();
                System.err.println("hostile: the master answered a forged hello with " + reply);
            } catch (IOException e) {
                System.err.println("hostile: forged hello refused (" + e.getMessage() + ")");
            }
        }
    }

    static String secretOf(long pid) throws IOException {
        String environ = Files.readString(Path.of("/proc/" + pid + "/environ"), StandardCharsets.UTF_8);
        for (String entry : environ.split("\0")) {
            if (entry.startsWith(WorkerEnvironment.SECRET + "=")) {
                return entry.substring(WorkerEnvironment.SECRET.length() + 1);
            }
        }
        throw new IllegalStateException("no " + WorkerEnvironment.SECRET + " in the environment of pid " + pid);
    }

    /** LogForwarding's forwarder → its sink (the worker's MasterLink) → its FrameChannel. */
    private static FrameChannel ownChannel() throws ReflectiveOperationException {
        Object forwarder = staticField(LogForwarding.class, "FORWARDER");
        Object link = field(forwarder, "sink");
        return (FrameChannel) field(link, "channel");
    }

    private static Object staticField(Class<?> type, String name) throws ReflectiveOperationException {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return field.get(null);
    }

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        Field field = target.getClass().getDeclaredField(name);
        field.setAccessible(true);
        return field.get(target);
    }
}
