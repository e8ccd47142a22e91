package io.workerpool.internal.posix;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The sockets open in this process, for leak checks. Only sockets: the JDK opens jar files and the like
 * lazily, as classes load, and those are not ours to close.
 */
final class OpenDescriptors {
    static {
        // The JDK keeps one socket for the life of the JVM, made when the first NIO socket channel closes
        // (UnixDispatcher's "pre-close" descriptor): make it now, before any test takes its snapshot.
        try {
            SocketChannel.open(StandardProtocolFamily.UNIX).close();
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private OpenDescriptors() {
    }

    /** Descriptor number to what it is, e.g. 12 to "socket:[4711]". */
    static Map<Integer, String> sockets() throws IOException {
        Map<Integer, String> sockets = new TreeMap<>();
        try (Stream<Path> entries = Files.list(Path.of("/proc/self/fd"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                try {
                    String target = Files.readSymbolicLink(entry).toString();
                    if (target.startsWith("socket:")) {
                        sockets.put(Integer.parseInt(entry.getFileName().toString()), target);
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // e.g. the descriptor of the directory listing itself
                }
            }
        }
        return sockets;
    }
}
