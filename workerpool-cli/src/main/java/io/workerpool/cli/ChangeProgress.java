package io.workerpool.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Follows a change of a running pool ({@code reload}, {@code restart}, {@code scale}) through successive status
 * replies: what to tell the user about each worker, and whether the change is over and how. Pure: it sees the
 * status JSON the management socket serves, already parsed ({@link JsonReader}), and prints nothing itself.
 *
 * <p>A reload or restart is over when the status's {@code reload} field no longer says {@code running}: the
 * pool refuses a second reload while one runs, so once the request was accepted, the field shows this one until
 * it ends, then its result ({@code completed ...}, {@code failed ...}, {@code aborted ...}). A scale is over when
 * exactly the wanted number of workers run and no other is starting or stopping; it failed when a worker was
 * given up on ({@code FAILED}).
 */
final class ChangeProgress {
    /** Where a change stands after one status reply. */
    enum Stage {
        GOING, DONE, FAILED
    }

    /** One step: the lines to print (one per worker that moved), the stage, and the pool's result or reason. */
    record Step(List<String> lines, Stage stage, String result) {
    }

    private final Integer wantedWorkers; // scale; null for a reload or restart
    private final Map<Long, Long> pidsBefore = new HashMap<>();
    private final Map<Long, String> reported = new HashMap<>();
    private final Set<Long> idsBefore = new HashSet<>();

    private ChangeProgress(Integer wantedWorkers, Map<?, ?> before) {
        this.wantedWorkers = wantedWorkers;
        for (Map<?, ?> worker : workers(before)) {
            long id = number(worker.get("id"));
            idsBefore.add(id);
            pidsBefore.put(id, number(worker.get("pid")));
            reported.put(id, describe(worker));
        }
    }

    /** A reload or restart; {@code before}: the status just before the request. */
    static ChangeProgress replacement(Map<?, ?> before) {
        return new ChangeProgress(null, before);
    }

    /** A scale to {@code workers}; {@code before}: the status just before the request. */
    static ChangeProgress scale(int workers, Map<?, ?> before) {
        return new ChangeProgress(workers, before);
    }

    Step observe(Map<?, ?> status) {
        List<String> lines = new ArrayList<>();
        List<Map<?, ?>> workers = workers(status);
        Set<Long> present = new HashSet<>();
        for (Map<?, ?> worker : workers) {
            long id = number(worker.get("id"));
            present.add(id);
            String now = describe(worker);
            if (!now.equals(reported.get(id))) {
                reported.put(id, now);
                lines.add("worker " + id + ": " + now + (replacedJvm(id, worker) ? " (new JVM)" : ""));
            }
        }
        for (Long id : List.copyOf(reported.keySet())) {
            if (!present.contains(id)) {
                reported.remove(id);
                lines.add("worker " + id + ": stopped and removed");
            }
        }
        if (wantedWorkers == null) {
            String reload = String.valueOf(status.get("reload"));
            if (reload.startsWith("running")) {
                return new Step(lines, Stage.GOING, reload);
            }
            return new Step(lines, reload.startsWith("completed") ? Stage.DONE : Stage.FAILED, reload);
        }
        for (Map<?, ?> worker : workers) {
            if ("FAILED".equals(worker.get("state"))) {
                return new Step(lines, Stage.FAILED, "worker " + number(worker.get("id")) + " failed to start and"
                        + " was given up on: " + worker.get("lastExit"));
            }
        }
        long running = workers.stream().filter(w -> "RUNNING".equals(w.get("state"))).count();
        boolean settled = running == workers.size() && running == wantedWorkers;
        return new Step(lines, settled ? Stage.DONE : Stage.GOING, running + " of " + wantedWorkers
                + " workers running");
    }

    /** True when the worker runs in another JVM than before the change. */
    private boolean replacedJvm(long id, Map<?, ?> worker) {
        Long before = pidsBefore.get(id);
        long pid = number(worker.get("pid"));
        return before != null && before > 0 && pid > 0 && pid != before && "RUNNING".equals(worker.get("state"));
    }

    private static String describe(Map<?, ?> worker) {
        String state = String.valueOf(worker.get("state"));
        long pid = number(worker.get("pid"));
        String lastExit = worker.get("lastExit") instanceof String s && !s.isEmpty() ? s : null;
        return switch (state) {
            case "RUNNING" -> "running, pid " + pid;
            case "BACKOFF", "FAILED" -> state + (lastExit == null ? "" : " (" + lastExit + ")");
            default -> state + (pid > 0 ? ", pid " + pid : "");
        };
    }

    /** The worker rows, without hot spares (which have no id of their own yet). */
    private static List<Map<?, ?>> workers(Map<?, ?> status) {
        List<Map<?, ?>> result = new ArrayList<>();
        if (status.get("workers") instanceof List<?> list) {
            for (Object item : list) {
                if (item instanceof Map<?, ?> worker && !"SPARE".equals(worker.get("state"))) {
                    result.add(worker);
                }
            }
        }
        return result;
    }

    private static long number(Object value) {
        return value instanceof Long l ? l : -1;
    }
}
