package io.workerpool.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Which running pool a management command talks to: by its pidfile, or by its control socket. */
final class PoolAddress {
    @Option(names = "--pidfile", paramLabel = "FILE", description = "The pool's pidfile; its control socket is"
            + " beside it (pool.pid -> pool.sock).")
    Path pidFile;

    @Option(names = "--control", paramLabel = "SOCKET", description = "The pool's control socket, when it is not"
            + " beside the pidfile.")
    Path controlSocket;

    /** @throws CliException (usage) when neither is given */
    ManagementClient client() {
        Path pid = pidFile == null ? null : pidFile.toAbsolutePath().normalize();
        if (controlSocket != null) {
            RunCommand.requireSocketPath("--control", controlSocket, "give the pool's control socket");
            requireNoOtherFile(controlSocket.toAbsolutePath().normalize());
            return new ManagementClient(controlSocket.toAbsolutePath().normalize(), pid);
        }
        if (pid == null) {
            throw CliException.usage("say which pool: --pidfile FILE (the control socket is beside it) or"
                    + " --control SOCKET");
        }
        return new ManagementClient(besidePidFile(pid), pid);
    }

    /** A directory or a file (the pidfile?) given as --control is a mistake, not a pool that stopped. */
    private static void requireNoOtherFile(Path socket) {
        if (java.nio.file.Files.isDirectory(socket) || java.nio.file.Files.isRegularFile(socket)) {
            throw CliException.usage("--control must name the pool's control socket, got " + socket + ", which is a "
                    + (java.nio.file.Files.isDirectory(socket) ? "directory" : "file")
                    + " (give --pidfile FILE to find the socket beside the pidfile)");
        }
    }

    /** As {@code Supervisor.Builder#controlSocket} puts it by default: pool.pid -> pool.sock, x -> x.sock. */
    static Path besidePidFile(Path pidFile) {
        String name = pidFile.getFileName().toString();
        String base = name.endsWith(".pid") ? name.substring(0, name.length() - 4) : name;
        return pidFile.resolveSibling(base + ".sock");
    }
}
