package io.workerpool.internal.worker;

import io.workerpool.Callback;
import io.workerpool.Worker;
import io.workerpool.internal.wire.Message;

/**
 * What a hot spare does before it waits for its id, so that its promotion is one message: loads, links and
 * initialises what the path from the master's {@code Assign} to the worker's onStart touches in the library,
 * and spins the lambda shapes that a worker's constructor typically creates for its callbacks.
 *
 * <p>Measured with {@code -Xlog:class+load} on a promoted spare: between the {@code Assign} and onStart it
 * loaded {@code WorkerAccess}, {@code Worker$1}, {@code WorkerAccess$Holder} and {@code Callback} (the
 * {@code Worker} class initialiser and the first {@code onStart(...)} call), then spun two {@code LambdaForm}
 * classes and the lambda class of the worker's onStart callback: about a quarter of a second on two busy
 * cores. The library's part is done here; the worker's own classes can't be known before the factory runs, but
 * the lambda forms a callback of the common shapes needs are shared by every lambda of that shape.
 *
 * <p>Nothing here runs user code, and nothing fails the spare: a failure only means a colder promotion.
 */
public final class SparePreload {
    private SparePreload() {
    }

    /** Call in a hot spare before it waits for its id. Never throws. */
    public static void warm() {
        try {
            WorkerAccess.get(); // initialises Worker, which installs the access: Worker$1, Holder
            Class.forName(Callback.class.getName(), true, Callback.class.getClassLoader());
            Class.forName(Message.Started.class.getName(), true, Message.class.getClassLoader());
            Class.forName(Message.Stopping.class.getName(), true, Message.class.getClassLoader());
            spinCallbackShapes(new Object(), 0);
        } catch (ClassNotFoundException | LinkageError | RuntimeException e) {
            // a colder promotion, nothing worse
        }
    }

    /**
     * Creates (never runs) callbacks of the shapes a worker's constructor writes: a non-capturing lambda, one
     * capturing an object, one capturing an object and an int (the worker's id), and a bound method reference.
     */
    private static void spinCallbackShapes(Object captured, int id) {
        Callback none = () -> { };
        Callback one = () -> touch(captured);
        Callback two = () -> touch(captured, id);
        Callback bound = captured::hashCode;
        if (none == one || two == bound) {
            throw new AssertionError(); // keeps the four from being optimised away
        }
    }

    private static void touch(Object o) {
        // only a target for the shapes above
    }

    private static void touch(Object o, int i) {
        // only a target for the shapes above
    }
}
