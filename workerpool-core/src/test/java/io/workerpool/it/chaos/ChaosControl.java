package io.workerpool.it.chaos;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Requests on the pool's control socket (one line in, one line out), each bounded in time. */
final class ChaosControl {
    private static final Pattern WORKER = Pattern.compile(
            "\\{\"id\":(-?\\d+),\"pid\":(-?\\d+),\"state\":\"(\\w+)\",\"uptimeMillis\":\\d+,\"restarts\":(\\d+)");
    private static final Pattern RELOAD = Pattern.compile("\"reload\":\"([^\"]*)\"");
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    /** What {@code status} says: the slots, and the rolling reload's state ("running (...)", "failed (...)"). */
    record Status(List<Slot> slots, String reload) {
        boolean reloadRunning() {
            return reload.startsWith("running");
        }
    }

    /** One worker slot as {@code status} reports it. */
    record Slot(int id, long pid, String state, int restarts) {
        boolean running() {
            return state.equals("RUNNING");
        }
    }

    private final Path socket;

    ChaosControl(Path socket) {
        this.socket = socket;
    }

    List<Slot> slots() throws IOException {
        return status().slots();
    }

    Status status() throws IOException {
        String reply = request("status");
        if (!reply.startsWith("ok ")) {
            throw new IOException("status refused: " + reply);
        }
        List<Slot> slots = new ArrayList<>();
        Matcher m = WORKER.matcher(reply);
        while (m.find()) {
            slots.add(new Slot(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), m.group(3),
                    Integer.parseInt(m.group(4))));
        }
        Matcher reload = RELOAD.matcher(reply);
        return new Status(slots, reload.find() ? reload.group(1) : "");
    }

    /** Sends one request; returns the reply line ({@code ok ...} or {@code error ...}). */
    String request(String line) throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
             Selector selector = Selector.open()) {
            channel.connect(UnixDomainSocketAddress.of(socket));
            channel.configureBlocking(false);
            ByteBuffer out = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
            ByteBuffer in = ByteBuffer.allocate(64 * 1024);
            long deadline = System.nanoTime() + TIMEOUT.toNanos();
            channel.register(selector, SelectionKey.OP_WRITE | SelectionKey.OP_READ);
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    throw new IOException("no answer to '" + line + "' on " + socket + " within " + TIMEOUT);
                }
                selector.select(left);
                selector.selectedKeys().clear();
                if (out.hasRemaining()) {
                    channel.write(out);
                }
                int n = channel.read(in);
                if (n < 0 || in.position() > 0 && in.get(in.position() - 1) == '\n') {
                    return new String(in.array(), 0, in.position(), StandardCharsets.UTF_8).strip();
                }
                if (!in.hasRemaining()) {
                    ByteBuffer larger = ByteBuffer.allocate(in.capacity() * 2);
                    in.flip();
                    in = larger.put(in);
                }
                if (!out.hasRemaining()) {
                    channel.keyFor(selector).interestOps(SelectionKey.OP_READ);
                }
            }
        }
    }
}
