package io.workerpool.it;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Starting {@code io.workerpool.testapp.HttpPool} and reading its events, for the shared-socket tests. */
final class HttpPools {
    static final Duration START = Duration.ofSeconds(30);
    private static final Pattern LISTENING = Pattern.compile("worker-listening (\\d+) (\\d+) (\\d+)");

    private HttpPools() {
    }

    static PoolProcess.Builder in(Path dir) {
        return PoolProcess.in(dir).mainClass("io.workerpool.testapp.HttpPool");
    }

    /** Starts the pool and waits until {@code workers} workers accept on the shared socket. */
    static PoolProcess startListening(PoolProcess.Builder builder, int workers) throws IOException {
        PoolProcess pool = builder.with("workers", workers).start();
        try {
            pool.awaitEvents(LISTENING.pattern(), workers, START);
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
        return pool;
    }

    /** The ports the workers report, from {@code worker-listening} events: one port when the socket is shared. */
    static Set<Integer> listeningPorts(PoolProcess pool) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (String line : pool.events()) {
            Matcher m = LISTENING.matcher(line);
            if (m.matches()) {
                ports.add(Integer.parseInt(m.group(3)));
            }
        }
        return ports;
    }

    static int port(PoolProcess pool) {
        return listeningPorts(pool).iterator().next();
    }

    /** The worker id whose JVM had this pid, or -1. */
    static int idOf(PoolProcess pool, long pid) {
        for (String line : pool.events()) {
            Matcher m = LISTENING.matcher(line);
            if (m.matches() && Long.parseLong(m.group(2)) == pid) {
                return Integer.parseInt(m.group(1));
            }
        }
        return -1;
    }

    static long listeningCount(PoolProcess pool, int id) {
        return pool.count("worker-listening " + id + " \\d+ \\d+");
    }

    /** Waits until the load has produced {@code count} outcomes matching {@code which}. */
    static void awaitOutcomes(ClientLoad load, Predicate<HttpExchange.Outcome> which, long count, String what) {
        await().atMost(START).pollInterval(Duration.ofMillis(20))
                .alias(what + " >= " + count)
                .until(() -> load.count(which) >= count);
    }
}
