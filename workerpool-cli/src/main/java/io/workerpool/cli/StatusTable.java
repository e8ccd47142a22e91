package io.workerpool.cli;

import io.workerpool.internal.Durations;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pool's status JSON as a table for people: a line about the master, then one row per worker id with pid,
 * state, uptime, restarts, last exit, heartbeat age, RSS in MB, and from the worker's heartbeat its heap in use
 * (of committed), its share of time in GC lately and its PSS in MB (hot spares: rows in state SPARE with a
 * negative placeholder id). Fields the reply lacks, or a worker has not reported yet, show as "-".
 */
final class StatusTable {
    private static final String[] HEADER = {"ID", "PID", "STATE", "UPTIME", "RESTARTS", "LAST EXIT", "HEARTBEAT",
        "RSS", "HEAP", "GC", "PSS"};

    private StatusTable() {
    }

    /** @throws CliException (failure) when the reply is not the status JSON */
    static String render(String json) {
        Map<?, ?> pool;
        try {
            pool = JsonReader.parse(json) instanceof Map<?, ?> m ? m : null;
        } catch (IllegalArgumentException e) {
            pool = null;
        }
        if (pool == null || !(pool.get("workers") instanceof List<?> workers)) {
            throw CliException.failure("the pool's status reply is not the JSON this command knows: "
                    + (json.length() > 80 ? json.substring(0, 80) + "..." : json));
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(HEADER);
        int spares = 0;
        for (Object w : workers) {
            Map<?, ?> worker = w instanceof Map<?, ?> m ? m : Map.of();
            long pid = number(worker.get("pid"), -1);
            long rss = number(worker.get("rssBytes"), -1);
            if ("SPARE".equals(worker.get("state"))) {
                spares++; // a hot spare's row: its id is a placeholder until it takes a worker's
            }
            String lastExit = worker.get("lastExit") instanceof String s && !s.isEmpty() ? s : "-";
            rows.add(new String[] {
                text(worker.get("id")),
                pid < 0 ? "-" : Long.toString(pid),
                text(worker.get("state")),
                pid < 0 ? "-" : duration(worker.get("uptimeMillis")),
                text(worker.get("restarts")),
                lastExit,
                pid < 0 ? "-" : duration(worker.get("heartbeatAgeMillis")),
                megabytes(rss),
                heap(number(worker.get("heapUsedBytes"), -1), number(worker.get("heapCommittedBytes"), -1)),
                share(worker.get("gcShare")),
                megabytes(number(worker.get("pssBytes"), -1))});
        }
        StringBuilder out = new StringBuilder();
        out.append("master pid ").append(text(pool.get("pid"))).append(", ").append(text(pool.get("state")))
                .append(", ").append(workers.size() - spares).append(workers.size() - spares == 1 ? " worker" : " workers");
        if (spares > 0) {
            out.append(", ").append(spares).append(spares == 1 ? " hot spare" : " hot spares");
        }
        if (pool.get("metrics") instanceof String metrics) {
            out.append("; http://").append(metrics).append(" (/healthz /readyz /metrics)");
        }
        if (pool.get("reload") instanceof String reload) {
            out.append("; reload: ").append(reload);
        }
        out.append('\n');
        appendAligned(out, rows);
        return out.toString();
    }

    private static void appendAligned(StringBuilder out, List<String[]> rows) {
        int[] widths = new int[HEADER.length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                line.append(row[i]).append(i == row.length - 1 ? "" : " ".repeat(widths[i] - row[i].length() + 2));
            }
            out.append(line.toString().stripTrailing()).append('\n');
        }
    }

    private static String megabytes(long bytes) {
        return bytes < 0 ? "-" : String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024.0));
    }

    /** "12/64 MB": in use of committed. */
    private static String heap(long used, long committed) {
        if (used < 0) {
            return "-";
        }
        return committed < 0 ? String.format(Locale.ROOT, "%.0f MB", used / (1024.0 * 1024.0))
                : String.format(Locale.ROOT, "%.0f/%.0f MB", used / (1024.0 * 1024.0), committed / (1024.0 * 1024.0));
    }

    private static String share(Object value) {
        return value instanceof Number n && n.doubleValue() >= 0
                ? String.format(Locale.ROOT, "%.1f%%", n.doubleValue() * 100) : "-";
    }

    private static String duration(Object millis) {
        long ms = number(millis, -1);
        return ms < 0 ? "-" : Durations.format(Duration.ofMillis(ms));
    }

    private static long number(Object value, long otherwise) {
        return value instanceof Number n ? n.longValue() : otherwise;
    }

    private static String text(Object value) {
        return value == null ? "-" : value.toString();
    }
}
