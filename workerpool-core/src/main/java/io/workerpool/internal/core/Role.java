package io.workerpool.internal.core;

/**
 * What a JVM the master started is for: exactly one of three. Replaces the flags and placeholder ids that
 * used to say it ({@code spare}, {@code aotTraining}, a negative training id).
 */
public sealed interface Role {
    /** The training JVM's id on the worker channel, in events and in status; below any spare's. */
    int TRAINING_ID = -1_000_000;

    /** Serves worker id {@code id}: runs the factory, the callbacks and {@code main()}. */
    record Worker(int id) implements Role {
        public Worker {
            if (id < 0) {
                throw new IllegalArgumentException("worker ids are >= 0, got " + id);
            }
        }
    }

    /**
     * A hot spare: started, connected and warmed, waiting to be given an id. It is named {@code hot spare -N} in
     * the log and shows as id {@code -N} in {@code status}: one name in both.
     */
    record Spare(int number) implements Role {
        public Spare {
            if (number < 1) {
                throw new IllegalArgumentException("spares are numbered from 1, got " + number);
            }
        }
    }

    /** The one JVM that trains the workers' AOT cache and exits; it serves no id. */
    record Training() implements Role {
    }
}
