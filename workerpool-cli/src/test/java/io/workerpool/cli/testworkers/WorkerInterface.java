package io.workerpool.cli.testworkers;

/** An interface named as the worker class: `workerpool run` must refuse it. */
public interface WorkerInterface {
}
