package io.workerpool.internal.ops;

import io.workerpool.PoolStartException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/** Small checks on Unix domain socket files. */
public final class UnixSockets {
    private UnixSockets() {
    }

    /** True when something accepts connections at {@code path}: a socket file nobody answers on is stale. */
    static boolean isAnswering(Path path) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * Clears {@code path} for a new socket: a socket file left by a master that died is removed; anything
     * else there (a file, a directory, a socket some process answers on) is not ours to remove.
     *
     * @param what "control socket", "unix socket to listen on": for the message
     * @throws PoolStartException saying what is there and what to do
     */
    public static void removeStale(Path path, String what) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!isSocket(path)) {
            throw new PoolStartException("cannot use " + path + " as the " + what + ": " + kindOf(path)
                    + " is there; remove it or choose another path");
        }
        if (isAnswering(path)) {
            throw new PoolStartException("cannot use " + path + " as the " + what + ": another process answers"
                    + " on it (another pool?); stop it or choose another path");
        }
        Files.delete(path);
    }

    private static boolean isSocket(Path path) throws IOException {
        int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000; // S_IFSOCK
    }

    private static String kindOf(Path path) {
        if (Files.isSymbolicLink(path)) {
            return "a symbolic link";
        }
        return Files.isDirectory(path) ? "a directory" : Files.isRegularFile(path) ? "a file" : "something else";
    }
}
