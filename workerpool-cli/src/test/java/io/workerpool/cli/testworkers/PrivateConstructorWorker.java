package io.workerpool.cli.testworkers;

import io.workerpool.Worker;

/** A Worker whose (int id) constructor is not public: `workerpool run` must refuse it. */
public class PrivateConstructorWorker extends Worker {
    private PrivateConstructorWorker(int id) {
        super(id);
    }

    @Override
    protected void main() {
    }
}
