package io.workerpool.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/**
 * Continuous load on 127.0.0.1: a fixed number of client threads, each sending one {@link HttpExchange} after
 * another until {@link #close()} or its deadline, whichever comes first, or until a connection is refused.
 * Bounded in threads and in time, so a failing test cannot leave load running.
 */
final class ClientLoad implements AutoCloseable {
    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<HttpExchange.Outcome> outcomes = new ConcurrentLinkedQueue<>();
    private volatile boolean stopped;

    private ClientLoad() {
    }

    /** Starts {@code clients} threads sending {@code GET path}; they stop by themselves after {@code atMost}. */
    static ClientLoad start(int port, String path, int clients, Duration atMost) {
        ClientLoad load = new ClientLoad();
        long deadline = System.nanoTime() + atMost.toNanos();
        for (int i = 0; i < clients; i++) {
            load.threads.add(Thread.ofPlatform().daemon().name("client-" + i).start(() -> {
                while (!load.stopped && System.nanoTime() < deadline) {
                    HttpExchange.Outcome outcome = HttpExchange.get(port, path, 10_000, pid -> { });
                    load.outcomes.add(outcome);
                    if (outcome.failure() == HttpExchange.Failure.CONNECT) {
                        return; // nobody listens any more: retrying at once would only spin
                    }
                }
            }));
        }
        return load;
    }

    List<HttpExchange.Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    long count(Predicate<HttpExchange.Outcome> which) {
        return outcomes.stream().filter(which).count();
    }

    /** Stops the clients and waits for the requests they have in flight. */
    @Override
    public void close() throws InterruptedException {
        stopped = true;
        for (Thread thread : threads) {
            if (!thread.join(Duration.ofSeconds(15))) {
                throw new AssertionError(thread.getName() + " did not finish its request within 15 s");
            }
        }
    }
}
