package io.workerpool.cli.testworkers;

/** A class that does not extend Worker: `workerpool run` must refuse it. */
public class NotAWorker {
    public NotAWorker(int id) {
    }
}
