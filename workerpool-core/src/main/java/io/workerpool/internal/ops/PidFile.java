package io.workerpool.internal.ops;

import io.workerpool.PoolStartException;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The master's pidfile, held with an OS file lock for the master's lifetime: the lock, not the file's
 * existence, says whether a master runs, so a pidfile left by a crashed master is taken over safely.
 * The pid is written in place, before the file is cut to length, so a reader never sees it empty.
 *
 * <p>The path is opened without following a symbolic link (a link there is refused with one line), and a file
 * owned by another user is refused: pidfiles often sit in shared directories such as {@code /tmp}.
 *
 * <p>The lock is an open-file-description lock ({@code fcntl F_OFD_SETLK}, {@link Posix#tryLockOpenFileDescription}),
 * not the JDK's {@code FileChannel.tryLock}: that one is a POSIX record lock, which the kernel drops when this
 * process closes <em>any</em> descriptor of the same file, so code of the application that opened and closed the
 * pidfile inside the master JVM would have let a second master start. The OFD lock belongs to the descriptor
 * this class opens and goes only when it is closed. It conflicts with POSIX record locks too, so an older
 * master holding the file is still seen.
 */
public final class PidFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final Path path;
    private final int lockFd;
    private final FileChannel channel;

    private PidFile(Path path, int lockFd, FileChannel channel) {
        this.path = path;
        this.lockFd = lockFd;
        this.channel = channel;
    }

    /** Takes the pidfile for this process, or says who holds it. */
    public static PidFile acquire(Path path, long pid) {
        return acquire(path, pid, -1);
    }

    /**
     * As {@link #acquire(Path, long)}; a file naming {@code handedOverBy} is no stale one (issue 15: the master
     * this one upgrades released it).
     */
    public static PidFile acquire(Path path, long pid, long handedOverBy) {
        for (int attempt = 0; ; attempt++) {
            Object inodeBefore = inode(path);
            PidFile pidFile = tryAcquire(path, pid, handedOverBy);
            // A master that was exiting may have unlinked the file we opened before we locked it: then the
            // path shows another inode, or none, and we start over.
            Object inodeAfter = inode(path);
            if (inodeAfter != null && (inodeBefore == null || inodeBefore.equals(inodeAfter)) || attempt == 3) {
                return pidFile;
            }
            pidFile.releaseOnly();
        }
    }

    private static Object inode(Path path) {
        try {
            return Files.getAttribute(path, "unix:ino");
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return null;
        }
    }

    private static PidFile tryAcquire(Path path, long pid, long handedOverBy) {
        int fd;
        try {
            // O_NOFOLLOW: in a shared directory (/tmp) a link planted at the path must not make the master
            // write its pid into (and lock) a file of the planter's choosing.
            fd = Posix.openNoFollow(path, 0644);
        } catch (PosixException e) {
            throw openFailed(path, e);
        }
        FileChannel channel = null;
        try {
            // The same open file (inode) as the locked descriptor, whatever happens at the path meanwhile:
            // the kernel's link to the descriptor's file, not the path. Closing this channel never drops the lock.
            Path self = Path.of("/proc/self/fd/" + fd);
            channel = FileChannel.open(self, StandardOpenOption.READ, StandardOpenOption.WRITE);
            Object owner = Files.getAttribute(self, "unix:uid");
            int selfUid = io.workerpool.internal.posix.ChannelPeers.ownUid();
            if (owner instanceof Integer uid && uid != selfUid) {
                throw new PoolStartException("refusing pidfile " + path + ": it belongs to uid " + uid + ", not to"
                        + " this master's uid " + selfUid + "; remove it or choose another path");
            }
            boolean locked = Posix.tryLockOpenFileDescription(fd);
            String previous = read(channel).strip();
            if (!locked) {
                throw new PoolStartException("another master is already running with pidfile " + path + " (pid "
                        + (previous.isEmpty() ? "unknown" : previous) + "); stop it first (kill -TERM "
                        + (previous.isEmpty() ? "<pid>" : previous) + ") or use another pidfile");
            }
            if (!previous.isEmpty() && !previous.equals(Long.toString(handedOverBy))) {
                LOG.warn("pidfile {} names pid {}, but no master holds its lock: stale, taking it over", path,
                        previous);
            }
            byte[] content = (pid + "\n").getBytes(StandardCharsets.US_ASCII);
            channel.write(ByteBuffer.wrap(content), 0);
            channel.truncate(content.length);
            channel.force(false);
            return new PidFile(path, fd, channel);
        } catch (IOException e) {
            closeQuietly(channel, fd);
            throw new PoolStartException("cannot write pidfile " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(channel, fd);
            throw e;
        }
    }

    private static PoolStartException openFailed(Path path, PosixException e) {
        if (Files.isSymbolicLink(path)) {
            return new PoolStartException("refusing pidfile " + path + ": it is a symbolic link (to "
                    + linkTarget(path) + "), which the master does not follow; remove it or choose another path");
        }
        if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
            return new PoolStartException("cannot open pidfile " + path + ": it is a directory; name a file,"
                    + " e.g. " + path.resolve("pool.pid"));
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null && !Files.isDirectory(parent)) {
            return new PoolStartException("cannot create pidfile " + path + ": its directory " + path.getParent()
                    + " does not exist; create it or choose another pidfile path");
        }
        if ("EACCES".equals(e.errnoName()) || "EPERM".equals(e.errnoName()) || "EROFS".equals(e.errnoName())) {
            return new PoolStartException("cannot create pidfile " + path + ": permission denied; choose a "
                    + "writable directory for the pidfile");
        }
        return new PoolStartException("cannot open pidfile " + path + ": " + e.getMessage(), e);
    }

    private static String linkTarget(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        channel.read(buffer, 0);
        buffer.flip();
        return StandardCharsets.US_ASCII.decode(buffer).toString();
    }

    Path path() {
        return path;
    }

    // ---- issue 15 (upgrade) hook ----
    private volatile boolean handedOver;

    /** Releases the lock and leaves the file (it names this master until the new one writes its pid). */
    public void handOver() {
        handedOver = true;
        closeQuietly(channel, lockFd); // the lock goes with its descriptor
    }

    /** Removes the file, then releases the lock: a new master may start right after. */
    @Override
    public void close() {
        if (handedOver) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            LOG.warn("could not remove pidfile {}: {}", path, e.toString());
        }
        closeQuietly(channel, lockFd); // the lock goes with the last descriptor of its open file description
    }

    private void releaseOnly() {
        closeQuietly(channel, lockFd);
    }

    private static void closeQuietly(FileChannel channel, int fd) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
        try {
            Posix.close(fd);
        } catch (PosixException ignored) {
            // nothing to do
        }
    }
}
