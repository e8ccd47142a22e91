package io.workerpool.cli.testworkers;

import io.workerpool.Worker;

/** A Worker without a public (int) constructor: `workerpool run` must refuse it. */
public class NoIdConstructorWorker extends Worker {
    public NoIdConstructorWorker() {
        super(0);
    }

    @Override
    protected void main() {
    }
}
