package io.workerpool.internal.ops;

import io.workerpool.PoolStartException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.AccessDeniedException;
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
 * <p>The lock is the JDK's {@code FileChannel.tryLock}, a POSIX record lock, which the kernel drops when this
 * process closes <em>any</em> descriptor of the same file. The master therefore keeps the only descriptor it
 * ever opens on the pidfile for its whole life and never opens the file again (it re-checks the inode with
 * {@code stat}, not {@code open}); no other code of the library opens it. Code of the application that opened
 * and closed the pidfile inside the master JVM would drop the lock: an open-file-description lock
 * ({@code F_OFD_SETLK}) would not have that weakness, and is the way to go if that is ever needed.
 */
public final class PidFile implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private final Path path;
    private final FileChannel channel;
    private final FileLock lock;

    private PidFile(Path path, FileChannel channel, FileLock lock) {
        this.path = path;
        this.channel = channel;
        this.lock = lock;
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
            // path shows another inode, or none, and we start over. Checked with stat, never by opening the
            // file again: closing any descriptor of a file drops this process's POSIX locks on it.
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
        FileChannel channel;
        try {
            // O_NOFOLLOW: in a shared directory (/tmp) a link planted at the path must not make the master
            // write its pid into (and lock) a file of the planter's choosing.
            channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            throw new PoolStartException("cannot create pidfile " + path + ": its directory " + path.getParent()
                    + " does not exist; create it or choose another pidfile path");
        } catch (AccessDeniedException e) {
            throw new PoolStartException("cannot create pidfile " + path + ": permission denied; choose a "
                    + "writable directory for the pidfile");
        } catch (IOException e) {
            if (Files.isSymbolicLink(path)) {
                throw new PoolStartException("refusing pidfile " + path + ": it is a symbolic link (to "
                        + linkTarget(path) + "), which the master does not follow; remove it or choose another path");
            }
            if (Files.isDirectory(path)) {
                throw new PoolStartException("cannot open pidfile " + path + ": it is a directory; name a file,"
                        + " e.g. " + path.resolve("pool.pid"));
            }
            throw new PoolStartException("cannot open pidfile " + path + ": " + e.getMessage(), e);
        }
        try {
            Object owner = Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS);
            int self = io.workerpool.internal.posix.ChannelPeers.ownUid();
            if (owner instanceof Integer uid && uid != self) {
                channel.close();
                throw new PoolStartException("refusing pidfile " + path + ": it belongs to uid " + uid + ", not to"
                        + " this master's uid " + self + "; remove it or choose another path");
            }
            FileLock lock = tryLock(channel);
            String previous = read(channel).strip();
            if (lock == null) {
                channel.close();
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
            return new PidFile(path, channel, lock);
        } catch (IOException e) {
            closeQuietly(channel);
            throw new PoolStartException("cannot write pidfile " + path + ": " + e.getMessage(), e);
        }
    }

    private static String linkTarget(Path path) {
        try {
            return Files.readSymbolicLink(path).toString();
        } catch (IOException e) {
            return "?";
        }
    }

    private static FileLock tryLock(FileChannel channel) throws IOException {
        try {
            return channel.tryLock();
        } catch (OverlappingFileLockException e) {
            return null; // this very JVM holds it already
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
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
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
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it too
        }
        closeQuietly(channel);
    }

    private void releaseOnly() {
        closeQuietly(channel);
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // nothing to do
        }
    }
}
