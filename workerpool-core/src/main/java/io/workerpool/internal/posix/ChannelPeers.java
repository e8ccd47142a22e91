package io.workerpool.internal.posix;

import static java.lang.foreign.ValueLayout.JAVA_INT;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.StandardSocketOptions;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The kernel's credentials (SO_PEERCRED: pid, uid, gid at connect time) of the process at the other end of a
 * JDK Unix domain {@link SocketChannel}. The JDK gives the peer's user and group only, and hides the channel's
 * descriptor; so the channel is marked with a receive-buffer size no other socket of this JVM has, the one
 * socket descriptor in {@code /proc/self/fd} that carries the mark is the channel's, and the kernel is asked
 * about that descriptor. The mark is taken off again. One channel at a time (synchronized): a mark is unique.
 *
 * <p>What the peer claims (a pid in a hello, a user name) is never used for identity: only this.
 */
public final class ChannelPeers {
    /** The peer of a socket, as the kernel recorded it when the connection was made. */
    public record Peer(long pid, int uid, int gid) {
    }

    /** Odd and unusual: the kernel stores twice the value asked for, and no code asks for this one. */
    private static final int MARK = 99_991;
    private static final int SO_RCVBUF = 8;

    private ChannelPeers() {
    }

    /**
     * @throws IOException when the channel's descriptor cannot be found (it was closed) or the kernel refuses
     * @throws UnsupportedOperationException when native access is not available
     */
    public static synchronized Peer of(SocketChannel channel) throws IOException {
        int before = channel.getOption(StandardSocketOptions.SO_RCVBUF);
        channel.setOption(StandardSocketOptions.SO_RCVBUF, MARK);
        try {
            // The kernel stores twice the size asked for; the JDK reports it halved again. Either way, no other
            // socket of this JVM asks for this size.
            int asked = channel.getOption(StandardSocketOptions.SO_RCVBUF);
            int found = -1;
            try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"));
                 Arena arena = Arena.ofConfined()) {
                MemorySegment value = arena.allocate(JAVA_INT);
                MemorySegment length = arena.allocate(JAVA_INT);
                for (Path entry : fds) {
                    int fd;
                    try {
                        fd = Integer.parseInt(entry.getFileName().toString());
                        if (!Files.readSymbolicLink(entry).toString().startsWith("socket:")) {
                            continue;
                        }
                        length.set(JAVA_INT, 0, 4);
                        Libc.GETSOCKOPT.call(fd, Libc.SOL_SOCKET, SO_RCVBUF, value, length);
                    } catch (IOException | NumberFormatException e) {
                        continue; // closed meanwhile, or the directory stream's own descriptor
                    }
                    int size = value.get(JAVA_INT, 0);
                    if (size == asked || size == 2 * asked) {
                        if (found >= 0) {
                            throw new IOException("two sockets carry the mark " + asked + " (descriptors " + found
                                    + " and " + fd + "): cannot tell which is the channel");
                        }
                        found = fd;
                    }
                }
            }
            if (found < 0) {
                throw new IOException("the channel's descriptor was not found in /proc/self/fd (closed?)");
            }
            Sockets.PeerCredentials peer = Sockets.peerCredentials(found);
            return new Peer(peer.pid(), peer.uid(), peer.gid());
        } finally {
            if (channel.isOpen()) {
                channel.setOption(StandardSocketOptions.SO_RCVBUF, before); // as the JDK reports it: the same size
            }
        }
    }

    /** This process's real user id. */
    public static int ownUid() {
        return Posix.getuid();
    }
}
