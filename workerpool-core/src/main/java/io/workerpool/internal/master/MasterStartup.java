package io.workerpool.internal.master;

import io.workerpool.PoolStartException;
import io.workerpool.internal.PoolConfig;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;

/**
 * The master's resources, taken in order (pidfile, output files, control socket) and given back in reverse,
 * also when a later step fails, so that a failed start leaves nothing behind.
 */
final class MasterStartup {
    private final PoolConfig config;
    private final Deque<AutoCloseable> taken = new ArrayDeque<>();
    private ControlServer controlServer;

    MasterStartup(PoolConfig config) {
        this.config = config;
    }

    void start(Consumer<PoolEvent> events) {
        if (config.pidFile() != null) {
            taken.push(PidFile.acquire(config.pidFile(), ProcessHandle.current().pid()));
        }
        requireAppendable(config.stdout(), "stdout");
        requireAppendable(config.stderr(), "stderr");
        try {
            controlServer = ControlServer.open(events);
        } catch (IOException e) {
            throw new PoolStartException("cannot open the master's control socket under "
                    + System.getProperty("java.io.tmpdir") + " (" + e.getMessage() + "); check that the temp"
                    + " directory is writable, or set -Djava.io.tmpdir to one that is", e);
        }
        taken.push(controlServer);
    }

    ControlServer controlServer() {
        return controlServer;
    }

    /** Releases everything in reverse order; failures are added to {@code failure} when there is one. */
    void close(Throwable failure) {
        while (!taken.isEmpty()) {
            try {
                taken.pop().close();
            } catch (Exception e) {
                if (failure != null) {
                    failure.addSuppressed(e);
                }
            }
        }
    }

    private static void requireAppendable(Path file, String what) {
        if (file == null) {
            return;
        }
        try {
            Files.newByteChannel(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                    StandardOpenOption.WRITE).close();
        } catch (NoSuchFileException e) {
            throw new PoolStartException("cannot open the workers' " + what + " file " + file + ": its directory "
                    + file.getParent() + " does not exist; create it or choose another " + what + " file");
        } catch (AccessDeniedException e) {
            throw new PoolStartException("cannot open the workers' " + what + " file " + file
                    + ": permission denied; choose a writable file");
        } catch (IOException e) {
            throw new PoolStartException("cannot open the workers' " + what + " file " + file + ": " + e, e);
        }
    }
}
