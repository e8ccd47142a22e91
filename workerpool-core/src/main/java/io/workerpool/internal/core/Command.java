package io.workerpool.internal.core;

import io.workerpool.internal.posix.Posix;
import io.workerpool.internal.wire.Message;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.event.Level;
import org.slf4j.helpers.MessageFormatter;

/**
 * What the pool's core ({@link PoolCore}) asks the world to do. The core never performs an effect and never gets a
 * result back from one: the result of a {@link Spawn} comes back as a {@link PoolEvent.JvmSpawned} or
 * {@link PoolEvent.SpawnFailed} event. {@code CommandRunner} executes them for real, the simulation against
 * simulated JVMs and a simulated clock. JVMs are named by their generation, unique in the pool.
 */
public sealed interface Command {
    /**
     * Start a JVM for this role, admitted on the worker channel under {@code channelId} (the worker id, -N for
     * hot spare N, {@link Role#TRAINING_ID} for the training run). The only spawn: see
     * {@link PoolCore#reconcile()}.
     */
    record Spawn(Role role, int channelId, long generation) implements Command {
    }

    /**
     * Send a message on the JVM's channel; when that fails on a broken (not closed) channel, the signal that means
     * the same (SIGINT for an interrupt, else SIGTERM). {@code exiting}: it was asked to stop, a failure is no news.
     */
    record Send(WorkerJvm jvm, Message message, boolean exiting) implements Command {
    }

    /** A promoted hot spare's log records are replayed under its worker id from now on. */
    record Promote(long generation, int workerId) implements Command {
    }

    /** SIGTERM, SIGINT or SIGQUIT ({@link Posix}); nothing once the process has been reaped. */
    record Signal(long generation, int signal) implements Command {
    }

    /** SIGKILL; with {@code descendants} its child processes too (the AOT training JVM's assembler). */
    record Kill(long generation, boolean descendants) implements Command {
    }

    /** Closes a channel no live JVM owns (a late connection). */
    record CloseChannel(WorkerChannel channel) implements Command {
    }

    /** Deliver {@code event} after {@code delay}. */
    record Arm(Duration delay, PoolEvent event) implements Command {
    }

    /** Complete a future an API call holds. */
    record Complete<T>(CompletableFuture<T> future, T value) implements Command {
    }

    /** Tell the observers (systemd, metrics, upgrade). */
    record Notify(Consumer<PoolObserver> news) implements Command {
    }

    /** One line of the master's log, formatted when the core decided it. */
    record Log(Level level, String line) implements Command {
    }

    /** The AOT cache checks that this JVM, started with the cache, mapped it. */
    record CheckAotCache(WorkerJvm jvm) implements Command {
    }

    /** The AOT training run exited: the cache is put in place, or given up on. */
    record AotTrainingExited(int status, boolean stopped) implements Command {
    }

    /** A daemon master reopens its own log (log rotation); {@code workersHaveFiles}: else says there is nothing. */
    record ReopenMasterLog(String cause, boolean workersHaveFiles) implements Command {
    }

    /** The core's outbox: decisions append here, {@link PoolCore#handle} hands them out in order. */
    final class Outbox {
        private List<Command> commands = new ArrayList<>();

        void add(Command command) {
            commands.add(command);
        }

        void log(Level level, String format, Object... args) {
            commands.add(new Log(level, MessageFormatter.arrayFormat(format, args).getMessage()));
        }

        void debug(String format, Object... args) {
            log(Level.DEBUG, format, args);
        }

        void info(String format, Object... args) {
            log(Level.INFO, format, args);
        }

        void warn(String format, Object... args) {
            log(Level.WARN, format, args);
        }

        void error(String format, Object... args) {
            log(Level.ERROR, format, args);
        }

        void notify(Consumer<PoolObserver> news) {
            commands.add(new Notify(news));
        }

        void arm(Duration delay, PoolEvent event) {
            commands.add(new Arm(delay, event));
        }

        <T> void complete(CompletableFuture<T> future, T value) {
            commands.add(new Complete<>(future, value));
        }

        List<Command> drain() {
            List<Command> out = commands;
            commands = new ArrayList<>();
            return out;
        }
    }
}
