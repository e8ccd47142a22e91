package io.workerpool.internal.posix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * Turns a raw listening socket descriptor into a {@link ServerSocketChannel}, through the one public door
 * the JDK has for that: {@link System#inheritedChannel()}, which wraps whatever socket is on descriptor 0 the
 * first time it is called. The resulting channel works blocking and non-blocking, with selectors.
 *
 * <p>Two JDK behaviours to know (JDK 25 {@code sun.nio.ch.InheritedChannel}):
 * <ul>
 * <li>The JDK makes that channel once per JVM and caches it (null included), so adoption works once, and
 *     only if nothing in this JVM called {@code System.inheritedChannel()} before.
 * <li>Closing the channel points descriptors 0, 1 and 2 at /dev/null ("detaching" inetd-style standard
 *     streams): after that, {@code System.out} and {@code System.err} write nowhere. A worker should keep
 *     the channel open until it exits, or call {@link #restoreStandardStreams()} after closing it.
 * </ul>
 */
public final class InheritedChannels {
    private static boolean adopted; // guarded by InheritedChannels.class
    private static int[] standardStreamCopies; // guarded by InheritedChannels.class

    private InheritedChannels() {
    }

    /**
     * Wraps the listening socket {@code fd} in a {@link ServerSocketChannel}: puts it on descriptor 0 just
     * long enough for the first {@link System#inheritedChannel()} call of this JVM, then puts the original
     * stdin back. The channel holds its own descriptor; {@code fd} is closed, whether or not this succeeds.
     * Works once per JVM. Call it early, before other threads read {@code System.in}: for a moment
     * descriptor 0 is the socket.
     *
     * @throws IllegalStateException when called a second time in this JVM, when {@code fd} is not a listening
     *     socket, or when something else called {@code System.inheritedChannel()} first
     * @throws IOException when a descriptor operation failed
     */
    public static synchronized ServerSocketChannel adoptAsInheritedChannel(int fd) throws IOException {
        if (adopted) {
            Posix.close(fd);
            throw new IllegalStateException("a socket was already adopted as this JVM's inherited channel: the JDK "
                    + "makes System.inheritedChannel() once per JVM, so adoption works only once");
        }
        adopted = true; // even a failed attempt below has used up System.inheritedChannel()
        InetSocketAddress expected = inetAddressOrNull(fd);
        int[] copies = copyStandardStreams();
        standardStreamCopies = copies;
        Channel channel;
        try {
            Posix.dup2(fd, 0);
            try {
                channel = System.inheritedChannel();
            } finally {
                // the channel has its own descriptor (the JDK dups 0); stdin goes back to what it was
                restore(copies, 0);
            }
        } finally {
            Posix.close(fd);
        }
        if (channel instanceof ServerSocketChannel server) {
            SocketAddress actual = server.getLocalAddress();
            // ports only: the JDK shows an IPv4-mapped IPv6 address as IPv4, we do not
            boolean samePort = actual instanceof InetSocketAddress inet && expected != null
                    && inet.getPort() == expected.getPort();
            if (expected != null && !samePort) {
                throw new IllegalStateException("System.inheritedChannel() returned a channel listening on " + actual
                        + ", not descriptor " + fd + " listening on " + expected + ": something in this JVM called "
                        + "System.inheritedChannel() before");
            }
            return server;
        }
        String what = channel == null ? "not a socket (or System.inheritedChannel() had been called before)"
                : channel instanceof SocketChannel ? "a connected socket, not a listening one"
                : "a " + channel.getClass().getSimpleName() + ", not a listening stream socket";
        throw new IllegalStateException("cannot adopt descriptor " + fd + " as a ServerSocketChannel: it is " + what);
    }

    /**
     * Points descriptors 0, 1 and 2 back at what they were when {@link #adoptAsInheritedChannel} ran, undoing
     * the JDK's redirection to /dev/null when the adopted channel is closed. Does nothing before adoption.
     */
    public static synchronized void restoreStandardStreams() throws PosixException {
        if (standardStreamCopies == null) {
            return;
        }
        for (int stream = 0; stream < 3; stream++) {
            restore(standardStreamCopies, stream);
        }
    }

    /**
     * Close-on-exec copies of descriptors 0, 1 and 2, kept for {@link #restoreStandardStreams()}; -1 for a
     * stream that was closed.
     */
    private static int[] copyStandardStreams() throws PosixException {
        int[] copies = {-1, -1, -1};
        for (int stream = 0; stream < 3; stream++) {
            try {
                copies[stream] = (int) Libc.FCNTL.call(stream, Libc.F_DUPFD_CLOEXEC, 3);
            } catch (PosixException e) {
                if (e.errno() == Errno.EBADF) {
                    continue; // a daemon may run with a closed stdin
                }
                for (int copy : copies) {
                    if (copy >= 0) {
                        Sockets.closeAfterFailure(copy, e);
                    }
                }
                throw e;
            }
        }
        return copies;
    }

    private static void restore(int[] copies, int stream) throws PosixException {
        if (copies[stream] >= 0) {
            Posix.dup2(copies[stream], stream);
            return;
        }
        try {
            Posix.close(stream);
        } catch (PosixException e) {
            if (e.errno() != Errno.EBADF) {
                throw e;
            }
        }
    }

    private static InetSocketAddress inetAddressOrNull(int fd) {
        try {
            return Posix.localAddress(fd);
        } catch (PosixException notAnInetSocket) {
            return null; // a Unix domain socket, or not a socket: the checks after adoption tell which
        }
    }
}
