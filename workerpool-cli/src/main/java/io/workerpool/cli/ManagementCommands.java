package io.workerpool.cli;

import io.workerpool.internal.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The commands for a running pool, one request each on its control socket. A refusal by the pool is the pool's
 * own one-line message with exit status 1.
 */
final class ManagementCommands {
    private ManagementCommands() {
    }

    /** Prints the reply's result, when there is one. */
    private abstract static class OneRequest implements Callable<Integer> {
        @Mixin
        PoolAddress pool;

        @Mixin
        WorkerpoolCli.HelpOption help;

        @Spec
        CommandSpec spec;

        abstract String request();

        @Override
        public Integer call() {
            String result = pool.client().request(request());
            if (!result.isEmpty()) {
                out().println(result);
            }
            return 0;
        }

        PrintWriter out() {
            return spec.commandLine().getOut();
        }
    }

    @Command(name = "status",
            footerHeading = "%nExample:%n", footer = {"  workerpool status --pidfile /tmp/app.pid",
                "  workerpool status --json --control /tmp/app.sock"},
            description = "Shows each worker: id, pid, state, uptime, restarts, last exit,"
            + " heartbeat age and RSS.")
    static final class Status extends OneRequest {
        @Option(names = "--json", description = "The pool's status as JSON, as the pool sends it.")
        boolean json;

        @Override
        String request() {
            return "status";
        }

        @Override
        public Integer call() {
            String result = pool.client().request(request());
            out().print(json ? result + System.lineSeparator() : StatusTable.render(result));
            out().flush();
            return 0;
        }
    }

    @Command(name = "stop",
            footerHeading = "%nExample:%n", footer = {"  workerpool stop --pidfile /tmp/app.pid",
                "  workerpool stop --timeout 10s --pidfile /tmp/app.pid"},
            description = {"Stops the pool gracefully (as SIGTERM does) and waits until the master"
            + " has exited.", "With --timeout, workers still alive after it are SIGKILLed; without it the pool's"
            + " --stop-timeout applies, and this command waits up to 2m."})
    static final class Stop extends OneRequest {
        private static final Duration DEFAULT_WAIT = Duration.ofMinutes(2);
        private static final Duration MARGIN = Duration.ofSeconds(15);

        @Option(names = "--timeout", paramLabel = "D", converter = Converters.PositiveDuration.class,
                description = "Graceful stop budget of each worker before SIGKILL, like 10s.")
        Duration timeout;

        @Option(names = "--no-wait", description = "Return once the pool has begun to stop.")
        boolean noWait;

        @Override
        String request() {
            return timeout == null ? "stop" : "stop " + timeout.toMillis();
        }

        @Override
        public Integer call() {
            if (timeout != null && timeout.toMillis() > Integer.MAX_VALUE) {
                throw CliException.usage("--timeout must be at most " + Integer.MAX_VALUE / 3_600_000 + "h, got "
                        + Durations.format(timeout));
            }
            ManagementClient client = pool.client();
            Optional<ProcessHandle> master = noWait ? Optional.empty() : master(client);
            client.request(request());
            if (master.isEmpty()) {
                out().println("stopping");
                return 0;
            }
            long pid = master.get().pid();
            out().println("stopping (master pid " + pid + ")");
            out().flush();
            Duration wait = (timeout == null ? DEFAULT_WAIT : timeout).plus(MARGIN);
            long deadline = System.nanoTime() + wait.toNanos();
            // Not ProcessHandle.isAlive(): a master whose parent has not reaped it yet (a harness that calls
            // wait() after this command returns) is a zombie, alive by that test, but it has ended.
            while (!MasterProcess.ended(master.get())) {
                if (System.nanoTime() > deadline) {
                    throw CliException.failure("the master (pid " + pid + ") is still running " + Durations.format(wait)
                            + " after the stop request; see its log, or 'workerpool status'");
                }
                LockSupport.parkNanos(20_000_000);
            }
            out().println("stopped");
            return 0;
        }

        /** The master's process, from the status reply (the process that answers is the master). */
        private static Optional<ProcessHandle> master(ManagementClient client) {
            String reply = client.exchange("status");
            if (reply.startsWith("ok ")) {
                try {
                    if (JsonReader.parse(reply.substring(3)) instanceof Map<?, ?> status
                            && status.get("pid") instanceof Long pid) {
                        return ProcessHandle.of(pid);
                    }
                } catch (IllegalArgumentException e) {
                    // not the JSON we know: stop without waiting
                }
            }
            return Optional.empty();
        }
    }

    // reload, scale and restart wait for their outcome: ChangeCommands (issue 17)

    @Command(name = "logs-reopen",
            footerHeading = "%nExample:%n",
            footer = {"  mv app.out app.out.1 && workerpool logs-reopen --pidfile app.pid"},
            description = "Makes a daemon master reopen its log, and the workers the files they write to (their"
            + " --stdout and --stderr, else the daemon's log), after they were moved away by log rotation (as"
            + " SIGUSR1 does, where the pool supports it).")
    static final class LogsReopen extends OneRequest {
        @Override
        String request() {
            return "logs-reopen";
        }
    }
}
