package io.workerpool.cli.testworkers;

import io.workerpool.Worker;

/** An abstract Worker: `workerpool run` must refuse it. */
public abstract class AbstractWorker extends Worker {
    public AbstractWorker(int id) {
        super(id);
    }
}
