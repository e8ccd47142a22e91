package io.workerpool.bench;

import java.nio.file.Path;

/**
 * A worker's code without the library: stamps, then idles like {@link RestartPool}'s workers, in a JVM
 * started with the same options and class path. Its RSS is the baseline of the per-worker overhead.
 * Usage: {@code BareWorker STAMP_FILE}; ends on SIGTERM.
 */
public final class BareWorker {
    private BareWorker() {
    }

    public static void main(String[] args) throws InterruptedException {
        IdleWork.ready(Path.of(args[0]), 0);
        IdleWork.idle(() -> true);
    }
}
