package io.workerpool.internal.master;

import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.posix.PosixException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * The master's signal handlers, for as long as the pool runs. A handler only enqueues the signal's name:
 * no logging and no pool state in a handler, as in gunicorn's arbiter. Replacing the JVM's TERM and INT
 * handlers also keeps its shutdown hooks from racing the graceful stop; the previous handlers come back
 * when the pool has stopped.
 */
final class MasterSignals implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger("io.workerpool.Supervisor");

    private record Installed(Signal signal, SignalHandler previous) {
    }

    private final List<Installed> installed = new ArrayList<>();

    static MasterSignals install(List<String> names, Consumer<String> onSignal) {
        MasterSignals signals = new MasterSignals();
        for (String name : names) {
            try {
                Signal signal = new Signal(name);
                unignore(signal.getNumber(), name);
                SignalHandler previous = Signal.handle(signal, s -> onSignal.accept(name));
                signals.installed.add(new Installed(signal, previous));
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.warn("cannot handle SIG{} in this JVM ({}); the pool works without it", name, e.getMessage());
            }
        }
        return signals;
    }

    private static void unignore(int number, String name) {
        try {
            if (Posix.unignore(number)) {
                // DEBUG (issue 17): a terminal multiplexer starts shells with TTIN/TTOU ignored; nothing to act on
                LOG.debug("SIG{} was ignored when this JVM started (nohup, a background job?); the pool handles it",
                        name);
            }
        } catch (PosixException | UnsupportedOperationException | IllegalArgumentException e) {
            LOG.debug("cannot check SIG{}'s disposition: {}", name, e.getMessage());
        }
    }

    @Override
    public void close() {
        for (Installed i : installed.reversed()) {
            try {
                Signal.handle(i.signal(), i.previous());
            } catch (IllegalArgumentException ignored) {
                // the JVM refuses to take it back: keep ours, it only enqueues
            }
        }
        installed.clear();
    }
}
