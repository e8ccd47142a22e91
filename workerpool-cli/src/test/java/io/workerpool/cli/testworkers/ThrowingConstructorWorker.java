package io.workerpool.cli.testworkers;

import io.workerpool.Worker;

/** A Worker whose constructor throws: it can only fail in the worker JVM, a boot error the master gives up on. */
public class ThrowingConstructorWorker extends Worker {
    public ThrowingConstructorWorker(int id) {
        super(id);
        throw new IllegalStateException("constructor failure on purpose in worker " + id);
    }

    @Override
    protected void main() {
    }
}
