package io.workerpool.cli.testworkers;

import io.workerpool.Worker;

/** A Worker the pool cannot create from outside its package: `workerpool run` must refuse it. */
class NonPublicWorker extends Worker {
    public NonPublicWorker(int id) {
        super(id);
    }

    @Override
    protected void main() {
    }
}
