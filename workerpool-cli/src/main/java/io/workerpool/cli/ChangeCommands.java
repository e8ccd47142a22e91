package io.workerpool.cli;

import io.workerpool.internal.Durations;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code reload}, {@code restart} and {@code scale}: one request on the control socket, then, unless
 * {@code --no-wait}, the outcome, followed by polling the pool's {@code status} (see {@link ChangeProgress}): a
 * line per worker as it moves, and exit status 0 once the change is done, 1 with the pool's reason when it
 * refused, failed or aborted, or when it is not done within {@code --timeout}.
 */
final class ChangeCommands {
    private static final Duration POLL = Duration.ofMillis(200);

    private ChangeCommands() {
    }

    private abstract static class WaitingRequest implements Callable<Integer> {
        @Mixin
        PoolAddress pool;

        @Mixin
        WorkerpoolCli.HelpOption help;

        @Spec
        CommandSpec spec;

        @Option(names = "--no-wait", description = "Return once the pool has accepted the request, without waiting"
                + " for the outcome.")
        boolean noWait;

        @Option(names = "--timeout", paramLabel = "D", converter = Converters.PositiveDuration.class,
                description = "How long to wait for the outcome before giving up with exit status 1; the change"
                        + " goes on in the pool (default: 5m).")
        Duration timeout = Duration.ofMinutes(5);

        abstract String request();

        abstract ChangeProgress progress(Map<?, ?> before);

        @Override
        public Integer call() {
            ManagementClient client = pool.client();
            if (noWait) {
                print(client.request(request()));
                return 0;
            }
            ChangeProgress progress = progress(status(client));
            print(client.request(request())); // a refusal throws: exit 1 with the pool's reason
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                ChangeProgress.Step step = progress.observe(status(client));
                step.lines().forEach(this::print);
                switch (step.stage()) {
                    case DONE -> {
                        print(step.result());
                        return 0;
                    }
                    case FAILED -> throw CliException.failure(step.result());
                    case GOING -> {
                        if (System.nanoTime() > deadline) {
                            throw CliException.failure("not done after " + Durations.format(timeout) + " (" + step
                                    .result() + "); it goes on in the pool: see 'workerpool status'");
                        }
                        LockSupport.parkNanos(POLL.toNanos());
                    }
                }
            }
        }

        private static Map<?, ?> status(ManagementClient client) {
            String json = client.request("status");
            try {
                if (JsonReader.parse(json) instanceof Map<?, ?> status) {
                    return status;
                }
            } catch (IllegalArgumentException e) {
                // said below
            }
            throw CliException.failure("the pool's status reply is not the JSON this command knows: "
                    + (json.length() > 80 ? json.substring(0, 80) + "..." : json));
        }

        private void print(String line) {
            if (!line.isEmpty()) {
                PrintWriter out = spec.commandLine().getOut();
                out.println(line);
                out.flush();
            }
        }
    }

    @Command(name = "reload",
            footerHeading = "%nExample:%n", footer = {"  workerpool reload --pidfile /tmp/app.pid",
                "  workerpool reload --no-wait --pidfile /tmp/app.pid"},
            description = {"Replaces every worker by a fresh JVM, one at a time, each new one ready"
            + " before the old one stops (as SIGHUP does); new code on the class path is picked up.",
                "Waits for the outcome: exit status 0 once every worker was replaced, 1 with the reason when"
                        + " the pool refused or aborted the reload (a new worker failed to start; the old ones"
                        + " keep serving)."})
    static final class Reload extends WaitingRequest {
        @Override
        String request() {
            return "reload";
        }

        @Override
        ChangeProgress progress(Map<?, ?> before) {
            return ChangeProgress.replacement(before);
        }
    }

    @Command(name = "scale",
            footerHeading = "%nExample:%n", footer = {"  workerpool scale 6 --pidfile /tmp/app.pid"},
            description = {"Grows or shrinks the pool to N workers: new ones get the lowest free"
            + " ids, the highest ids stop gracefully.",
                "Waits until exactly N workers run (exit status 0), or a new one was given up on (1)."})
    static final class Scale extends WaitingRequest {
        @Parameters(paramLabel = "N", converter = Converters.ScaleWorkers.class,
                description = "Workers wanted, 1 to 1024.")
        int workers;

        @Override
        String request() {
            return "scale " + workers;
        }

        @Override
        ChangeProgress progress(Map<?, ?> before) {
            return ChangeProgress.scale(workers, before);
        }
    }

    @Command(name = "restart",
            footerHeading = "%nExample:%n", footer = {"  workerpool restart 2 --pidfile /tmp/app.pid"},
            description = {"Replaces one worker by a fresh JVM, ready before the old one stops.",
                "Waits for the outcome: exit status 0 once replaced, 1 with the reason when the new JVM failed"
                        + " (the old one keeps serving)."})
    static final class Restart extends WaitingRequest {
        @Parameters(paramLabel = "ID", converter = Converters.NonNegativeInt.class, description = "The worker id.")
        int id;

        @Override
        String request() {
            return "restart " + id;
        }

        @Override
        ChangeProgress progress(Map<?, ?> before) {
            return ChangeProgress.replacement(before);
        }
    }
}
