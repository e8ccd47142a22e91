package io.workerpool.internal.ops;

import io.workerpool.WorkerStatus;
import io.workerpool.internal.master.Pool;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What the management socket's requests do: one request line in, one reply line out ({@code ok <result>} or
 * {@code error <message>}). A malformed request gets an error reply and changes nothing. The socket's I/O,
 * bounds and deadlines are {@link ManagementSocket}'s.
 */
final class ManagementRequests {
    /** {@code scale N}: more workers than this is a typo, not a plan (each is a JVM). */
    static final int MAX_WORKERS = 1024;

    private final Pool pool;

    ManagementRequests(Pool pool) {
        this.pool = pool;
    }

    String answer(String request) {
        String[] words = request.isEmpty() ? new String[] {""} : request.split("\\s+");
        String command = words[0].toLowerCase(Locale.ROOT);
        try {
            return switch (command) {
                case "ping" -> "ok pong";
                case "status" -> "ok " + statusJson();
                case "stop" -> {
                    Duration timeout = words.length > 1 ? Duration.ofMillis(positive(words[1], "stop timeout")) : null;
                    if (timeout == null) {
                        pool.terminate();
                    } else {
                        pool.terminate(timeout, "stop request on the control socket");
                    }
                    yield "ok stopping";
                }
                case "logs-reopen" -> {
                    Pool.OutputReopen reopened = pool.reopenOutput();
                    String master = reopened.master() ? "the master reopened its log" : "";
                    if (reopened.workers() < 0) {
                        yield master.isEmpty()
                                ? "ok nothing to reopen: the workers write to the master's own stdout/stderr"
                                : "ok " + master;
                    }
                    yield "ok " + (master.isEmpty() ? "" : master + "; ") + reopened.workers()
                            + " worker(s) reopen their output files";
                }
                case "reload" -> {
                    pool.reload();
                    yield "ok reloading";
                }
                case "scale" -> {
                    int workers = (int) positive(argument(words, "scale <workers>"), "workers");
                    if (workers > MAX_WORKERS) {
                        throw new IllegalArgumentException("workers must be at most " + MAX_WORKERS + ", got "
                                + workers);
                    }
                    pool.scale(workers);
                    yield "ok scaling to " + workers;
                }
                case "upgrade" -> { // issue 15 (upgrade) hook
                    Duration timeout = words.length > 1 ? Duration.ofMillis(positive(words[1], "upgrade timeout"))
                            : Pool.UPGRADE_TIMEOUT;
                    java.nio.file.Path result = pool.upgrade(timeout);
                    yield "ok upgrading master pid " + ProcessHandle.current().pid() + ", outcome in " + result;
                }
                case "restart" -> {
                    int id = (int) nonNegative(argument(words, "restart <id>"), "worker id");
                    pool.restartWorker(id);
                    yield "ok restarting worker " + id;
                }
                default -> "error unknown request '" + abbreviate(request) + "'; known: ping, status, stop [millis],"
                        + " reload, scale <workers>, restart <id>, logs-reopen, upgrade [millis]";
            };
        } catch (IllegalArgumentException | IllegalStateException e) {
            return "error " + e.getMessage();
        }
    }

    private String statusJson() {
        // Rows and reload status from one pass of the loop: a completed reload's reply never shows the old JVM
        Pool.StatusReport report = pool.statusReport();
        List<WorkerStatus> workers = report.workers();
        StringBuilder json = new StringBuilder(256);
        json.append("{\"pid\":").append(ProcessHandle.current().pid())
                .append(",\"state\":").append(Json.string(pool.state().name()))
                .append(",\"reload\":").append(Json.string(report.reload()));
        if (pool.metricsAddress() != null) {
            json.append(",\"metrics\":").append(Json.string(pool.metricsAddress()));
        }
        json
                .append(",\"workers\":[");
        for (int i = 0; i < workers.size(); i++) {
            WorkerStatus w = workers.get(i);
            json.append(i == 0 ? "" : ",").append("{\"id\":").append(w.id())
                    .append(",\"pid\":").append(w.pid())
                    .append(",\"state\":").append(Json.string(w.state()))
                    .append(",\"uptimeMillis\":").append(w.uptime().toMillis())
                    .append(",\"restarts\":").append(w.restarts())
                    .append(",\"lastExit\":").append(Json.string(w.lastExit()))
                    .append(",\"heartbeatAgeMillis\":").append(w.heartbeatAge().toMillis())
                    .append(",\"rssBytes\":").append(w.rssBytes())
                    // issue 16: the JVM figures of its latest heartbeat (-1: none yet)
                    .append(",\"heapUsedBytes\":").append(w.heapUsedBytes())
                    .append(",\"heapCommittedBytes\":").append(w.heapCommittedBytes())
                    .append(",\"gcCount\":").append(w.gcCount())
                    .append(",\"gcShare\":").append(w.gcShare() < 0 ? "-1" : String.format(Locale.ROOT,
                            "%.4f", w.gcShare()))
                    .append(",\"threads\":").append(w.threads())
                    .append(",\"pssBytes\":").append(w.pssBytes()).append('}');
        }
        return json.append("]}").toString();
    }

    private static String argument(String[] words, String usage) {
        if (words.length != 2) {
            throw new IllegalArgumentException("usage: " + usage);
        }
        return words[1];
    }

    private static long positive(String text, String what) {
        long value = number(text, what);
        if (value < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + value);
        }
        return value;
    }

    private static long nonNegative(String text, String what) {
        long value = number(text, what);
        if (value < 0) {
            throw new IllegalArgumentException(what + " must be >= 0, got " + value);
        }
        return value;
    }

    private static long number(String text, String what) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " must be a whole number, got '" + abbreviate(text) + "'");
        }
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\p{Cntrl}", "?");
        return oneLine.length() > 60 ? oneLine.substring(0, 60) + "..." : oneLine;
    }

}
