package io.workerpool.it.chaos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The figures of one chaos run and what went wrong in it (nothing, when {@link #violations} is empty). */
public final class ChaosReport {
    final ChaosSettings settings;
    Duration warmUp = Duration.ZERO;
    int warmUpFaults;
    Duration chaosTime = Duration.ZERO;
    int rounds;
    final Map<String, Integer> faults = new LinkedHashMap<>();
    int refusedRestartRequests;
    int failedRestartRequests;
    int restarts;
    Duration maxRecovery = Duration.ZERO;
    Duration finalRecovery = Duration.ZERO;
    int maxCrashLoopRestarts;
    Duration maxCrashLoopRecovery = Duration.ZERO;
    long clientsOk;
    long clientsFailed;
    String clientFailures = "";
    Duration longestServiceGap = Duration.ZERO;
    ChaosProcStats baseline;
    ChaosProcStats end;
    int zombies = -1;
    final List<String> violations = new ArrayList<>();
    String masterLogTail = "";

    ChaosReport(ChaosSettings settings) {
        this.settings = settings;
    }

    public List<String> violations() {
        return List.copyOf(violations);
    }

    public String masterLogTail() {
        return masterLogTail;
    }

    public int faultsInjected() {
        return faults.values().stream().mapToInt(Integer::intValue).sum();
    }

    public long clientsOk() {
        return clientsOk;
    }

    /** The figures as a two-column markdown table. */
    public String table() {
        StringBuilder t = new StringBuilder("| Chaos run | |\n| --- | --- |\n");
        row(t, "seed", Long.toString(settings.seed()));
        row(t, "pool", settings.workers() + " workers serving 127.0.0.1, workerTimeout "
                + settings.workerTimeout().toSeconds() + " s, " + settings.clients() + " client threads");
        row(t, "duration", seconds(chaosTime) + " of chaos (after " + seconds(warmUp) + " of warm-up with "
                + warmUpFaults + " faults)");
        row(t, "faults injected", faultsInjected() + " in " + rounds + " rounds: " + faults.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))
                + (refusedRestartRequests > 0 ? " (" + refusedRestartRequests + " restart requests refused)" : "")
                + (failedRestartRequests > 0 ? " (" + failedRestartRequests + " restart requests failed: the new JVM"
                        + " missed workerTimeout, the old one kept serving)" : ""));
        row(t, "unplanned restarts", Integer.toString(restarts));
        row(t, "max time back to N", seconds(maxRecovery) + " (bound " + settings.recoveryBound().toSeconds()
                + " s; final recovery " + seconds(finalRecovery) + " after the last fault)");
        row(t, "crash loops", faults.getOrDefault("CRASH_LOOP", 0) + " of " + settings.crashLoopLength().toSeconds()
                + " s: at most " + maxCrashLoopRestarts + " restarts each (backoff bound "
                + ChaosSettings.crashLoopRestartBound(settings.crashLoopLength()) + "), back "
                + seconds(maxCrashLoopRecovery) + " after the loop ended");
        long total = clientsOk + clientsFailed;
        row(t, "client requests", clientsOk + " ok, " + clientsFailed + " failed of " + total + String.format(
                " (%.3f%% failed: %s); longest gap without an answer %s", total == 0 ? 0 : 100.0 * clientsFailed
                        / total, clientFailures, seconds(longestServiceGap)));
        if (baseline != null && end != null) {
            row(t, "master fds", baseline.fds() + " → " + end.fds() + " (margin +" + settings.fdMargin() + ")");
            row(t, "master threads", baseline.threads() + " → " + end.threads() + " (margin +"
                    + settings.threadMargin() + ")");
            row(t, "master RSS", baseline.rssKb() / 1024 + " MiB → " + end.rssKb() / 1024 + " MiB (margin +"
                    + settings.rssMarginKb() / 1024 + " MiB)");
        }
        row(t, "zombies at end", zombies < 0 ? "not checked" : Integer.toString(zombies));
        row(t, "result", violations.isEmpty() ? "pass" : "FAIL: " + String.join("; ", violations));
        return t.toString();
    }

    static void row(StringBuilder table, String name, String value) {
        table.append("| ").append(name).append(" | ").append(value.replace("|", "\\|")).append(" |\n");
    }

    static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }

    @Override
    public String toString() {
        return table();
    }
}
