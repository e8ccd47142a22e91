package io.workerpool.internal.master;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/** Small checks on Unix domain socket files. */
final class UnixSockets {
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
}
