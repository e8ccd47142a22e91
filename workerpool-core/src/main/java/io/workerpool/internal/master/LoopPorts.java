package io.workerpool.internal.master;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import io.workerpool.internal.ops.ProcStatus;
import io.workerpool.internal.channel.WorkerChannelServer;
import io.workerpool.internal.launch.WorkerCommand;
import io.workerpool.internal.launch.WorkerSpawner;

/**
 * What the loop's {@link CommandRunner} needs from the world to execute the core's {@link Command}s, as small
 * interfaces: launching a JVM, the JVM's process and the admissions of the worker channel's server.
 * {@link Pool} wires the real ones. The core ({@link PoolCore}) uses none of them: the deterministic simulation
 * ({@code PoolSimulationTest}) executes its commands against simulated JVMs and a simulated clock instead.
 */
public final class LoopPorts {
    private LoopPorts() {
    }

    /** A worker JVM the pool started. Signals go through it, never through a raw pid the JDK may have reaped. */
    interface WorkerProcess {
        long pid();

        /** Completes with the exit status once the process has ended and been reaped. */
        CompletableFuture<Integer> exitStatus();

        /** SIGTERM, SIGINT, SIGQUIT ({@link Signals}); nothing once the process has been reaped. */
        void signal(int signal);

        /** SIGKILL; with {@code descendants} its child processes too (the AOT training JVM's assembler). */
        void kill(boolean descendants);

        /** Resident memory in bytes, or -1 when unknown. */
        long rssBytes();

        static WorkerProcess of(Process process) {
            return new WorkerProcess() {
                @Override
                public long pid() {
                    return process.pid();
                }

                @Override
                public CompletableFuture<Integer> exitStatus() {
                    return process.onExit().thenApply(Process::exitValue);
                }

                @Override
                public void signal(int signal) {
                    Signals.send(process, signal);
                }

                @Override
                public void kill(boolean descendants) {
                    if (descendants) {
                        process.descendants().forEach(ProcessHandle::destroyForcibly);
                    }
                    process.destroyForcibly();
                }

                @Override
                public long rssBytes() {
                    return ProcStatus.rssBytes(process.pid());
                }
            };
        }
    }

    /** Starts worker JVMs. */
    interface Launcher {
        String newSecret();

        WorkerProcess spawn(int workerId, String secret, List<String> extraOptions, Path trainingLog)
                throws IOException;

        /** The worker command, for log lines and the AOT cache's checks; may be null where neither applies. */
        WorkerCommand command();

        static Launcher of(WorkerSpawner spawner) {
            return new Launcher() {
                @Override
                public String newSecret() {
                    return spawner.newSecret();
                }

                @Override
                public WorkerProcess spawn(int workerId, String secret, List<String> extraOptions, Path trainingLog)
                        throws IOException {
                    return WorkerProcess.of(spawner.spawn(workerId, secret, extraOptions, trainingLog));
                }

                @Override
                public WorkerCommand command() {
                    return spawner.command();
                }
            };
        }
    }

    /** Which JVM may connect on the worker channel, and with which secret ({@link WorkerChannelServer}). */
    interface Admissions {
        void admit(int workerId, long generation, String secret);

        void spawned(String secret, long pid);

        /** Forgets the JVM; true when it never connected. */
        boolean revoke(int workerId, long generation);

        /** Completes when the JVM's channel has been read to its end (at once when it has none). */
        CompletableFuture<Void> readerEnded(long generation);

        static Admissions of(WorkerChannelServer server) {
            return new Admissions() {
                @Override
                public void admit(int workerId, long generation, String secret) {
                    server.admit(workerId, generation, secret);
                }

                @Override
                public void spawned(String secret, long pid) {
                    server.spawned(secret, pid);
                }

                @Override
                public boolean revoke(int workerId, long generation) {
                    return server.revoke(workerId, generation);
                }

                @Override
                public CompletableFuture<Void> readerEnded(long generation) {
                    return server.readerEnded(generation);
                }
            };
        }
    }
}
