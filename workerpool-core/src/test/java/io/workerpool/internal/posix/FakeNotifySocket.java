package io.workerpool.internal.posix;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Stands in for systemd's notify socket in tests: a Unix domain datagram socket bound to a path, or to a name
 * in the abstract namespace ({@code @name}), that keeps every message it receives, in order. The JDK has no
 * Unix datagram channel, hence the FFM calls. Not thread-safe: one test thread reads it.
 */
public final class FakeNotifySocket implements AutoCloseable {
    private static final Duration POLL = Duration.ofMillis(100);

    private final String address;
    private final Path path;
    private final int fd;
    private final List<String> received = new ArrayList<>();

    private FakeNotifySocket(String address, Path path, int fd) {
        this.address = address;
        this.path = path;
        this.fd = fd;
    }

    /** Bound to a file: {@code NOTIFY_SOCKET=/path}. */
    public static FakeNotifySocket atPath(Path path) throws PosixException {
        return bind(path.toString(), path);
    }

    /** Bound to an abstract name: {@code NOTIFY_SOCKET=@name}; no file, gone when closed. */
    public static FakeNotifySocket abstractNamed(String name) throws PosixException {
        return bind("@" + name, null);
    }

    private static FakeNotifySocket bind(String address, Path path) throws PosixException {
        int fd = (int) Libc.SOCKET.call(Libc.AF_UNIX, Libc.SOCK_DGRAM | Libc.SOCK_CLOEXEC, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sockaddr = SocketAddresses.encodeUnixAddress(address, arena);
            Libc.BIND.call(fd, sockaddr, (int) sockaddr.byteSize());
            Sockets.setTimeouts(fd, POLL);
            return new FakeNotifySocket(address, path, fd);
        } catch (PosixException | RuntimeException e) {
            Sockets.closeAfterFailure(fd, e);
            throw e;
        }
    }

    /** The value for {@code NOTIFY_SOCKET}. */
    public String address() {
        return address;
    }

    /** Every message received so far, oldest first. */
    public List<String> received() {
        return List.copyOf(received);
    }

    /**
     * Receives until a message matches, and returns it; every message received meanwhile is kept.
     *
     * @throws AssertionError when none matched within {@code atMost}, naming what came
     */
    public String awaitMessage(String description, Predicate<String> matching, Duration atMost)
            throws PosixException {
        long deadline = System.nanoTime() + atMost.toNanos();
        while (System.nanoTime() < deadline) {
            String message = receive();
            if (message != null && matching.test(message)) {
                return message;
            }
        }
        throw new AssertionError("no message " + description + " within " + atMost + "; received: " + received);
    }

    /** Receives whatever comes for {@code period}; returns how many messages matched. */
    public int countFor(Duration period, Predicate<String> matching) throws PosixException {
        long deadline = System.nanoTime() + period.toNanos();
        int count = 0;
        while (System.nanoTime() < deadline) {
            String message = receive();
            if (message != null && matching.test(message)) {
                count++;
            }
        }
        return count;
    }

    /** The next message, or null when none came within the poll period (100 ms). */
    public String receive() throws PosixException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(4096);
            long n;
            try {
                n = Libc.RECV.call(fd, buffer, buffer.byteSize(), 0);
            } catch (PosixException e) {
                if (e.errno() == Errno.EAGAIN) {
                    return null;
                }
                throw e;
            }
            String message = new String(buffer.asSlice(0, n).toArray(JAVA_BYTE), StandardCharsets.UTF_8);
            received.add(message);
            return message;
        }
    }

    @Override
    public void close() throws Exception {
        Posix.close(fd);
        if (path != null) {
            Files.deleteIfExists(path);
        }
    }

    @Override
    public String toString() {
        return "FakeNotifySocket[" + address + "]";
    }
}
