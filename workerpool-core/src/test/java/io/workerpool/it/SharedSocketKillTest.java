package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.workerpool.it.HttpExchange.Failure;
import io.workerpool.it.HttpExchange.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Zero loss on SIGKILL: connections waiting in the shared backlog when a worker dies are accepted by the
 * others; only what the dying worker had already accepted can fail.
 */
class SharedSocketKillTest {
    /** Threads per worker, each holding at most one accepted connection: a kill can lose at most this many. */
    private static final int HANDLER_THREADS = 2;
    /** More clients than the pool's 2 x 2 handlers, so that connections always wait in the shared backlog. */
    private static final int CLIENTS = 8;
    private static final int KILLS = 3;

    @TempDir
    Path dir;

    /**
     * One SIGKILL of worker {@code id}: sent just after {@code sentNanos}, the JVM gone by {@code deadNanos}, the
     * replacement accepting by {@code replacedNanos}.
     */
    private record Kill(int id, long pid, long sentNanos, long deadNanos, long replacementPid, long replacedNanos) {
    }

    @Test
    void sigkilledWorkersLoseOnlyTheRequestsTheyHadAccepted() throws Exception {
        List<Kill> kills = new ArrayList<>();
        List<Outcome> outcomes;
        try (PoolProcess pool = HttpPools.startListening(HttpPools.in(dir).with("handlerThreads", HANDLER_THREADS)
                .with("holdMs", 20), 2)) {
            int port = HttpPools.port(pool);
            try (ClientLoad load = ClientLoad.start(port, "/", CLIENTS, Duration.ofSeconds(50))) {
                HttpPools.awaitOutcomes(load, Outcome::ok, 100, "answers before the first kill");
                for (int k = 0; k < KILLS; k++) {
                    int id = k % 2;
                    long victim = pool.workerPid(id);
                    long replacementsBefore = HttpPools.listeningCount(pool, id);
                    long sent = System.nanoTime();

                    Signal.send(victim, "KILL");

                    await().atMost(HttpPools.START).pollInterval(Duration.ofMillis(5)).until(() -> !Signal.alive(victim));
                    long dead = System.nanoTime();
                    pool.awaitEvents("worker-listening " + id + " \\d+ \\d+", replacementsBefore + 1, HttpPools.START);
                    long replacement = pool.workerPid(id);
                    long replaced = System.nanoTime();
                    kills.add(new Kill(id, victim, sent, dead, replacement, replaced));
                    HttpPools.awaitOutcomes(load, o -> o.ok() && o.pid() == replacement, 20,
                            "answers from worker " + id + "'s replacement pid " + replacement);
                }
                long total = load.count(Outcome::ok);
                HttpPools.awaitOutcomes(load, Outcome::ok, total + 100, "answers after the last kill");
                load.close();
                outcomes = load.outcomes();
            }
        }

        report(kills, outcomes);
        assertThat(outcomes).filteredOn(o -> o.failure() == Failure.CONNECT)
                .as("the listening socket stays open through every kill: no connection is refused").isEmpty();
        assertThat(outcomes).filteredOn(o -> !o.ok() && o.endNanos() < kills.getFirst().sentNanos())
                .as("failures before the first kill").isEmpty();
        int queuedAcrossKills = 0;
        for (int k = 0; k < kills.size(); k++) {
            Kill kill = kills.get(k);
            long from = kill.sentNanos();
            long to = k + 1 < kills.size() ? kills.get(k + 1).sentNanos() : Long.MAX_VALUE;
            List<Outcome> failed = outcomes.stream()
                    .filter(o -> !o.ok() && o.endNanos() >= from && o.endNanos() < to).toList();
            assertThat(failed).as("requests failed by kill %d of pid %d: at most its %d accepted ones", k + 1,
                    kill.pid(), HANDLER_THREADS).hasSizeLessThanOrEqualTo(HANDLER_THREADS);
            assertThat(failed).filteredOn(o -> o.acceptedPid() > 0)
                    .as("a failed request that was accepted was accepted by the killed worker")
                    .allMatch(o -> o.acceptedPid() == kill.pid());
            assertThat(outcomes).filteredOn(o -> o.ok() && o.startNanos() >= kill.deadNanos()
                            && o.endNanos() <= kill.replacedNanos())
                    .as("answers by the other worker while worker %d's replacement was starting", kill.id())
                    .isNotEmpty();
            queuedAcrossKills += (int) outcomes.stream()
                    .filter(o -> o.ok() && o.startNanos() < from && o.acceptedNanos() > from).count();
        }
        assertThat(queuedAcrossKills).as("requests waiting in the backlog at a kill, answered after it").isPositive();
    }

    private static void report(List<Kill> kills, List<Outcome> outcomes) {
        long ok = outcomes.stream().filter(Outcome::ok).count();
        System.out.printf("shared socket under SIGKILL: %d requests, %d answered, %d failed%n", outcomes.size(), ok,
                outcomes.size() - ok);
        for (int k = 0; k < kills.size(); k++) {
            Kill kill = kills.get(k);
            long to = k + 1 < kills.size() ? kills.get(k + 1).sentNanos() : Long.MAX_VALUE;
            List<Outcome> failed = outcomes.stream()
                    .filter(o -> !o.ok() && o.endNanos() >= kill.sentNanos() && o.endNanos() < to).toList();
            long queued = outcomes.stream()
                    .filter(o -> o.ok() && o.startNanos() < kill.sentNanos() && o.acceptedNanos() > kill.sentNanos())
                    .count();
            System.out.printf("  kill %d: worker %d pid %d -> pid %d after %d ms; %d failed %s; %d waiting in the"
                    + " backlog answered after the kill%n", k + 1, kill.id(), kill.pid(), kill.replacementPid(),
                    (kill.replacedNanos() - kill.sentNanos()) / 1_000_000, failed.size(), failed, queued);
        }
    }
}
