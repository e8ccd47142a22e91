package io.workerpool.internal.channel;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SecureDirectoryStream;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The worker-socket directories that masters killed with SIGKILL left in the temp directory, removed in the
 * background when a master starts. A directory is stale when no process has a socket bound at its worker
 * socket's path: the kernel's table of Unix sockets ({@code /proc/net/unix}) says so for every live master of
 * this network namespace, so none of them is connected to. Only a path the table does not list (a dead master,
 * or a live one in another network namespace sharing the temp directory) is probed with a connect, and only
 * one that refuses it, twice a second apart, is removed.
 */
final class StaleChannelDirectories {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");
    private static final Path UNIX_SOCKET_TABLE = Path.of("/proc/net/unix");
    private static final Duration RECHECK = Duration.ofSeconds(1);

    private StaleChannelDirectories() {
    }

    /**
     * Sweeps {@code tmp} for directories named {@code prefix*} holding a dead socket named one of
     * {@code socketNames} (the first that exists counts), except {@code own} (this master's, bound already).
     * Several names: masters of older versions named their socket differently, and theirs are swept as well.
     */
    static void sweepInBackground(Path tmp, String prefix, List<String> socketNames, Path own) {
        Thread.ofVirtual().name("workerpool-stale-directory-sweep").start(() -> {
            try {
                List<Path> refusing = new ArrayList<>(refusingDirectories(tmp, prefix, socketNames, List.of()));
                refusing.removeIf(directory -> directory.getFileName().equals(own.getFileName()));
                if (refusing.isEmpty()) {
                    return;
                }
                // A master starting right now refuses for the moment before its bind: asked again a second
                // later, only a dead one still refuses.
                Thread.sleep(RECHECK);
                for (Path directory : refusingDirectories(tmp, prefix, socketNames, refusing)) {
                    deleteFlat(tmp, directory);
                }
            } catch (IOException | RuntimeException e) {
                LOG.debug("could not sweep stale worker socket directories in {}: {}", tmp, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    /** The directories (of {@code among}, unless empty) whose worker socket no process listens on. */
    static List<Path> refusingDirectories(Path tmp, String prefix, List<String> socketNames, List<Path> among)
            throws IOException {
        Set<String> bound = boundSocketPaths();
        List<Path> candidates = among;
        if (candidates.isEmpty()) {
            candidates = new ArrayList<>();
            try (DirectoryStream<Path> directories = Files.newDirectoryStream(tmp, prefix + "*")) {
                directories.forEach(candidates::add);
            }
        }
        List<Path> refusing = new ArrayList<>();
        for (Path directory : candidates) {
            Path socket = socketIn(directory, socketNames);
            if (socket != null && Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)
                    && !bound.contains(socket.toAbsolutePath().normalize().toString()) && refusesConnections(socket)) {
                refusing.add(directory);
            }
        }
        return refusing;
    }

    /** The first of {@code names} that exists in {@code directory} (a socket file, not followed), or null. */
    private static Path socketIn(Path directory, List<String> names) {
        for (String name : names) {
            Path socket = directory.resolve(name);
            if (Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
                return socket;
            }
        }
        return null;
    }

    /**
     * The paths that Unix sockets of this network namespace are bound at, from the kernel's table (its last
     * field); empty when the table can't be read, and then every candidate is probed.
     */
    static Set<String> boundSocketPaths() {
        Set<String> paths = new HashSet<>();
        try {
            for (String line : Files.readAllLines(UNIX_SOCKET_TABLE)) {
                String[] fields = line.trim().split("\\s+");
                if (fields.length >= 8 && fields[7].startsWith("/")) {
                    paths.add(fields[7]);
                }
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("could not read {}: {}; the sweep probes each worker socket", UNIX_SOCKET_TABLE, e.toString());
        }
        return paths;
    }

    private static boolean refusesConnections(Path socket) {
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            // Non-blocking: a blocking connect waits while a hung master's backlog is full. Connected or pending,
            // someone listens.
            probe.configureBlocking(false);
            probe.connect(UnixDomainSocketAddress.of(socket));
            return false;
        } catch (ConnectException e) {
            return true; // ECONNREFUSED: a socket file no process listens on
        } catch (IOException e) {
            return false; // missing, not ours, or anything else: leave it
        }
    }

    /**
     * The directory's files (sockets), then the directory; leaves it as it is when it holds a directory. Never
     * through a symbolic link: the directory is opened relative to {@code tmp} with {@code O_NOFOLLOW} and
     * {@code O_DIRECTORY}, and its entries are unlinked relative to it ({@link SecureDirectoryStream}), so a
     * directory swapped for a link between the check and the delete makes it fail instead of deleting
     * elsewhere. Where the file system gives no secure directory stream, nothing is deleted.
     */
    static void deleteFlat(Path tmp, Path directory) {
        Path name = directory.getFileName();
        try (DirectoryStream<Path> parent = Files.newDirectoryStream(tmp)) {
            if (!(parent instanceof SecureDirectoryStream<Path> secureParent)) {
                LOG.debug("not removing {}: no secure directory stream on this file system", directory);
                return;
            }
            try (SecureDirectoryStream<Path> entries = secureParent.newDirectoryStream(name,
                    LinkOption.NOFOLLOW_LINKS)) {
                for (Path entry : entries) {
                    Path entryName = entry.getFileName();
                    BasicFileAttributes attributes = entries.getFileAttributeView(entryName,
                            BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).readAttributes();
                    if (attributes.isDirectory()) {
                        return;
                    }
                    entries.deleteFile(entryName);
                }
            }
            secureParent.deleteDirectory(name);
            LOG.debug("removed {}, left by a master that was killed", directory);
        } catch (IOException e) {
            LOG.debug("could not remove stale directory {}: {}", directory, e.toString());
        }
    }
}
