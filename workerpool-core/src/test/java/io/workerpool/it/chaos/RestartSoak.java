package io.workerpool.it.chaos;

import io.workerpool.it.PoolProcess;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The restart soak: a {@code ChaosPool} whose workers return from {@code main()} 1.3 s after starting, just past
 * the master's 1 s quick-exit threshold, so each exit is replaced at once (no backoff) and the master goes
 * through {@code restarts} real JVM restarts in a row. Samples the master's fds, threads and RSS at the start,
 * after half of the restarts and at the end; the second half must stay within the chaos margins of the first.
 */
public final class RestartSoak {
    private static final Duration POLL = Duration.ofMillis(500);
    /** A zombie child older than this is a leak: the JDK reaps an exited child within milliseconds. */
    private static final Duration ZOMBIE_AGE = Duration.ofSeconds(2);

    /** The figures; {@code violations} empty when it passed. */
    public record Result(int workers, int restarts, Duration took, ChaosProcStats atStart, ChaosProcStats atHalf,
                         ChaosProcStats atEnd, int zombies, List<String> violations) {
        public double restartsPerSecond() {
            return restarts / (took.toMillis() / 1000.0);
        }

        public String table() {
            StringBuilder t = new StringBuilder("| Restart soak | |\n| --- | --- |\n");
            ChaosReport.row(t, "restarts", restarts + " in a row, " + workers + " workers (each exits 1.3 s after"
                    + " start, past the 1 s quick-exit threshold: replaced at once)");
            ChaosReport.row(t, "time", ChaosReport.seconds(took) + String.format(" (%.2f restarts/s)",
                    restartsPerSecond()));
            ChaosReport.row(t, "master fds start / half / end", atStart.fds() + " / " + atHalf.fds() + " / "
                    + atEnd.fds());
            ChaosReport.row(t, "master threads start / half / end", atStart.threads() + " / " + atHalf.threads()
                    + " / " + atEnd.threads());
            ChaosReport.row(t, "master RSS start / half / end", atStart.rssKb() / 1024 + " / " + atHalf.rssKb()
                    / 1024 + " / " + atEnd.rssKb() / 1024 + " MiB");
            ChaosReport.row(t, "zombies at end", Integer.toString(zombies));
            ChaosReport.row(t, "result", violations.isEmpty() ? "pass" : "FAIL: " + String.join("; ", violations));
            return t.toString();
        }
    }

    private RestartSoak() {
    }

    public static Result run(Path dir, int workers, int restarts, Duration atMost, ChaosSettings margins,
                             PrintStream log) throws IOException, InterruptedException {
        List<String> violations = new ArrayList<>();
        try (PoolProcess pool = ChaosRun.chaosPool(dir).with("mode", "short-lived").with("workers", workers)
                .start()) {
            ChaosControl control = new ChaosControl(dir.resolve("pool.sock"));
            long master = pool.pid();
            awaitControlSocket(control, pool);
            ChaosProcStats atStart = ChaosProcStats.of(master);
            ChaosProcStats atHalf = null;
            long start = System.nanoTime();
            long deadline = start + atMost.toNanos();
            int done = 0;
            int reported = 0;
            while (done < restarts) {
                if (!pool.master().isAlive()) {
                    violations.add("the master died after " + done + " restarts");
                    break;
                }
                if (System.nanoTime() > deadline) {
                    violations.add("only " + done + " restarts within " + atMost.toMinutes() + " min");
                    break;
                }
                Thread.sleep(POLL); // sampling pace
                done = control.slots().stream().mapToInt(ChaosControl.Slot::restarts).sum();
                if (atHalf == null && done >= restarts / 2) {
                    atHalf = ChaosProcStats.of(master);
                }
                if (done / 100 > reported) {
                    reported = done / 100;
                    log.println("soak: " + done + " restarts, master " + ChaosProcStats.of(master));
                }
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            ChaosProcStats atEnd = ChaosProcStats.of(master);
            if (atHalf == null) {
                atHalf = atEnd;
            }
            if (atEnd.fds() > atHalf.fds() + margins.fdMargin() || atEnd.threads() > atHalf.threads()
                    + margins.threadMargin() || atEnd.rssKb() > atHalf.rssKb() + margins.rssMarginKb()) {
                violations.add("the master grew over the second half of the restarts: " + atHalf + " → " + atEnd);
            }
            // Workers still exit every second or so: one may be a zombie for the instant before the JDK reaps it.
            // Only a zombie that lasts is a leak.
            int zombies = ChaosProcStats.lastingZombies(master, ZOMBIE_AGE).size();
            if (zombies > 0) {
                violations.add(zombies + " zombie children of the master still unreaped after "
                        + ZOMBIE_AGE.toMillis() + " ms at the end");
            }
            pool.signal("TERM");
            int status = pool.waitFor(Duration.ofSeconds(60));
            if (status != 0) {
                violations.add("the master exited " + status + " after SIGTERM, not 0");
            }
            return new Result(workers, done, took, atStart, atHalf, atEnd, zombies, violations);
        }
    }

    private static void awaitControlSocket(ChaosControl control, PoolProcess pool) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                control.slots();
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline || !pool.master().isAlive()) {
                    throw new IllegalStateException("the soak pool's control socket never answered: " + e
                            + "\n" + pool.tail());
                }
                Thread.sleep(200); // the master is still starting
            }
        }
    }
}
