package io.workerpool.internal.worker;

import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Points the worker's stdout and stderr at freshly opened files, for log rotation (SIGUSR1 to the master, or
 * {@code workerpool logs-reopen}): the rotated file is closed in this JVM, and output goes on in the new one.
 */
final class OutputFiles {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Worker");

    private OutputFiles() {
    }

    static void reopen(String stdout, String stderr) {
        System.out.flush();
        System.err.flush();
        reopen(stdout, 1);
        reopen(stderr, 2);
    }

    private static void reopen(String file, int stream) {
        if (file == null) {
            return;
        }
        try {
            int fd = Posix.openForAppend(Path.of(file));
            try {
                Posix.dup2(fd, stream);
            } finally {
                Posix.close(fd);
            }
        } catch (PosixException | UnsupportedOperationException e) {
            // Said in the master's log, by path: the old file (rotated away, or deleted) keeps growing unseen.
            LOG.warn("could not reopen {} at {} ({}); it keeps writing to the file it had open",
                    stream == 1 ? "stdout" : "stderr", file, e.getMessage());
        }
    }
}
