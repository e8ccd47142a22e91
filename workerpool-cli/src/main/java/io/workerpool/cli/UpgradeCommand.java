package io.workerpool.cli;

import io.workerpool.internal.Durations;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.locks.LockSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code workerpool upgrade} (issue 15): asks the master to replace itself by a new master process, then waits
 * for the outcome the master writes to a result file it names in its reply: the old and new master pids and what
 * changed (exit status 0), or why it rolled back (1).
 */
@Command(name = "upgrade",
        footerHeading = "%nExample:%n", footer = {"  workerpool upgrade --pidfile /tmp/app.pid",
            "  (start the pool with 'workerpool run @app.args' and edit app.args to change its settings)"},
        description = {"Replaces the master itself without refusing a connection (as SIGUSR2 does): a new master,"
                + " started with the running one's command line (new jars, JVM options, @argument files are read"
                + " again), takes over the listening socket and starts its workers; once it is ready, the old"
                + " master stops its workers gracefully and exits.",
            "Exit status 0 with the old and new master pids and what changed; 1 with the reason when the new"
                    + " master failed (it is killed and the old one keeps serving)."})
final class UpgradeCommand implements Callable<Integer> {
    private static final Duration POLL = Duration.ofMillis(100);

    @Mixin
    PoolAddress pool;

    @Mixin
    WorkerpoolCli.HelpOption help;

    @Spec
    CommandSpec spec;

    @Option(names = "--timeout", paramLabel = "D", converter = Converters.PositiveDuration.class,
            description = "How long the new master has to be ready before it is given up on (default: 2m).")
    Duration timeout = Duration.ofMinutes(2);

    private static final java.util.regex.Pattern REPLY = java.util.regex.Pattern.compile(
            "upgrading master pid (\\d+), outcome in (.+)");

    /**
     * The old master died without an outcome (SIGKILL?) and the new master (if any) ended without writing one:
     * says who serves now, from the pidfile.
     */
    private String oldMasterDied(long oldPid, long newPid) {
        String died = "the master (pid " + oldPid + ") died during the upgrade";
        String after = newPid < 0 ? ", before it started a new master" : ", and the new master (pid " + newPid + ")"
                + (alive(newPid) ? " gave no outcome" : " exited");
        if (pool.pidFile == null) {
            return died + after + "; see 'workerpool status' for the master that runs, if any";
        }
        Path pidFile = pool.pidFile.toAbsolutePath();
        try {
            String pid = Files.exists(pidFile) ? Files.readString(pidFile).strip() : "";
            if (!pid.isEmpty() && !pid.equals(Long.toString(oldPid)) && alive(Long.parseLong(pid))) {
                return died + "; the new master (pid " + pid + ") took over: check it with 'workerpool status'";
            }
        } catch (IOException | NumberFormatException e) {
            // no master named there
        }
        return died + after + "; no master holds the pidfile " + pidFile + ": start the pool again";
    }

    /** True while {@code pid} runs; a zombie (a master killed, not reaped yet) has ended ({@link MasterProcess}). */
    private static boolean alive(long pid) {
        return pid > 0 && ProcessHandle.of(pid).map(p -> !MasterProcess.ended(p)).orElse(false);
    }

    /** The new master's pid, which the old master writes beside the result once it started it, or -1. */
    private static long newMasterPid(Path directory) {
        try {
            for (String line : Files.readAllLines(directory.resolve("new-master"), StandardCharsets.UTF_8)) {
                if (line.startsWith("pid=")) {
                    return Long.parseLong(line.substring(4).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not started yet, or the outcome replaced it
        }
        return -1;
    }

    /** The upgrade's directory once nobody will write to it: what a master that died left there. */
    private static void removeDirectory(Path directory) {
        try (var files = Files.list(directory)) {
            files.forEach(f -> f.toFile().delete());
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            // gone already
        }
    }

    @Override
    public Integer call() {
        String reply = pool.client().request("upgrade " + timeout.toMillis()); // a refusal: exit 1 with the reason
        java.util.regex.Matcher m = REPLY.matcher(reply);
        if (!m.matches()) {
            throw CliException.failure("unexpected reply to upgrade: '" + reply + "'");
        }
        long oldPid = Long.parseLong(m.group(1));
        Path result = Path.of(m.group(2));
        Path directory = result.getParent();
        long newPid = -1;
        // the new master's readiness, then its takeover (30 s at most), then the old master's writing; when the
        // old master dies meanwhile, the new one writes the outcome (took over, or gave up)
        long deadline = System.nanoTime() + timeout.toNanos() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(result)) {
            if (newPid < 0) {
                newPid = newMasterPid(directory);
            }
            boolean oldDead = !alive(oldPid);
            boolean nobodyLeft = oldDead && (newPid < 0 ? newMasterPid(directory) < 0 : !alive(newPid));
            if ((nobodyLeft || System.nanoTime() > deadline) && !Files.exists(result)) {
                if (!oldDead) {
                    throw CliException.failure("no outcome after " + Durations.format(timeout.plusSeconds(60))
                            + "; see the master's log and 'workerpool status'");
                }
                String why = oldMasterDied(oldPid, newPid);
                if (!alive(newPid)) {
                    removeDirectory(directory);
                }
                throw CliException.failure(why);
            }
            LockSupport.parkNanos(POLL.toNanos());
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(result, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw CliException.failure("cannot read the upgrade's outcome " + result + ": " + e.getMessage());
        } finally {
            removeDirectory(directory);
        }
        String first = lines.isEmpty() ? "failed (empty outcome)" : lines.getFirst();
        if (!first.startsWith("ok ")) {
            throw CliException.failure(first.startsWith("failed ") ? first.substring(7) : first);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(first.substring(3));
        lines.subList(1, lines.size()).forEach(out::println);
        out.flush();
        return 0;
    }
}
