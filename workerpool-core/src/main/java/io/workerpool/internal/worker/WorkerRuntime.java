package io.workerpool.internal.worker;

import io.workerpool.WorkerFactory;
import io.workerpool.internal.PoolConfig;

/** Placeholder, being written. */
public final class WorkerRuntime {
    private WorkerRuntime() {
    }

    public static void run(WorkerFactory factory, PoolConfig config) {
        throw new UnsupportedOperationException("being written");
    }
}
