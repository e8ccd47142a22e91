package io.workerpool;

/**
 * Creates the {@link Worker} for a worker id. Called once in each worker JVM, never in the master.
 * An exception here is a boot error: the worker exits with status {@value io.workerpool.internal.wire.ExitCodes#BOOT_ERROR}
 * and the master backs off hard before it tries again, since a worker that cannot even be built is a
 * configuration error, not a crash.
 */
@FunctionalInterface
public interface WorkerFactory {
    /** Returns a new worker for {@code id}. */
    Worker create(int id) throws Exception;
}
