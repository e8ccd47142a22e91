package io.workerpool.internal.worker;

import io.workerpool.internal.posix.DescriptorHandoff;
import io.workerpool.internal.posix.InheritedChannels;
import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import io.workerpool.internal.wire.WorkerEnvironment;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The worker's copy of the pool's listening socket. Design: the master binds once and keeps the raw
 * descriptor; a worker proves itself with its secret on the master's hand-off socket and receives a copy by
 * SCM_RIGHTS, the same kernel socket, not a re-bind. The JDK can wrap a foreign descriptor in a channel
 * only through {@link System#inheritedChannel()}, so the copy is moved onto fd 0 (stdin, which a worker
 * gets from /dev/null anyway) before that method's first call. One socket per JVM is the limit of that door.
 */
final class SharedSocket {
    private SharedSocket() {
    }

    /** The pool's listening socket, or null when the master has none to hand over: its pool is stopping. */
    static ServerSocketChannel receive(WorkerEnvironment.Settings settings) throws IOException {
        int[] fds = DescriptorHandoff.receive(Path.of(settings.handoffSocket()),
                settings.secret().getBytes(StandardCharsets.UTF_8));
        if (fds.length == 0) {
            return null;
        }
        for (int i = 1; i < fds.length; i++) {
            closeFd(fds[i]);
        }
        ServerSocketChannel channel = InheritedChannels.adoptAsInheritedChannel(fds[0]);
        channel.configureBlocking(true);
        return channel;
    }

    static void closeQuietly(ServerSocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the user's server may have closed it first
        }
        restoreStandardStreams();
    }

    /**
     * Closing a channel from {@code System.inheritedChannel()} points fds 0, 1 and 2 at /dev/null (the JDK
     * detaches inetd-style streams): after any close, ours or the user's server's, put stdout and stderr back.
     */
    static void restoreStandardStreams() {
        try {
            InheritedChannels.restoreStandardStreams();
        } catch (PosixException ignored) {
            // the streams stay where they are; nothing else depends on them
        }
    }

    private static void closeFd(int fd) {
        try {
            Posix.close(fd);
        } catch (PosixException ignored) {
            // an extra descriptor we never asked for
        }
    }
}
