package io.workerpool.bench;

import java.nio.file.Path;
import java.util.function.BooleanSupplier;

/**
 * What a benchmark worker does, with or without the library: stamp once ready, then idle until asked to
 * stop. {@link RestartPool}'s workers and {@link BareWorker} run exactly this, so that the difference in
 * their memory is the library's.
 */
final class IdleWork {
    private IdleWork() {
    }

    static void ready(Path stamps, int id) {
        Stamps.append(stamps, id);
    }

    /** Sleeps in 200 ms steps while {@code running}: five wake-ups a second, stop noticed within 200 ms. */
    static void idle(BooleanSupplier running) throws InterruptedException {
        while (running.getAsBoolean()) {
            Thread.sleep(200);
        }
    }
}
