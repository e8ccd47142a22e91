package io.workerpool.internal.worker;

import io.workerpool.Callback;
import io.workerpool.Worker;
import java.nio.channels.ServerSocketChannel;
import java.util.List;

/**
 * The worker runtime's door into {@link Worker}'s non-public state, installed by {@code Worker}'s static
 * initializer, so that the public class keeps only the methods of the contract.
 */
public interface WorkerAccess {
    List<Callback> startCallbacks(Worker worker);

    List<Callback> shutdownCallbacks(Worker worker);

    void runMain(Worker worker) throws Exception;

    void setListenChannel(Worker worker, ServerSocketChannel channel);

    /** The listener runs on the thread that called {@link Worker#stop()}, once. */
    void setStopListener(Worker worker, Runnable listener);

    static void install(WorkerAccess access) {
        Holder.access = access;
    }

    static WorkerAccess get() {
        if (Holder.access == null) {
            try {
                Class.forName(Worker.class.getName(), true, Worker.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return Holder.access;
    }

    /** Holds the installed access; a class because interface fields are final. */
    final class Holder {
        private static volatile WorkerAccess access;

        private Holder() {
        }
    }
}
