package io.workerpool.examples;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Logging across processes: workers log through SLF4J and {@code java.util.logging}, and the master's
 * Logback prints every record, with the worker's id, logger name, level, thread, MDC and exception
 * (cause included) as the worker emitted them. The worker itself prints nothing.
 *
 * <p>The master's {@code logback.xml} decides the layout: {@code [%X{worker:-master}]} shows the id that the
 * library puts in the MDC of each forwarded record ({@code master} for the master's own lines), and the
 * logger {@code io.workerpool.examples.LogsExample} has an appender of its own that also prints the whole
 * MDC, as the custom logger of the original logs.py has a handler of its own. Run: {@code ./run-example logs}.
 */
public final class LogsExample {
    private static final Logger log = LoggerFactory.getLogger(LogsExample.class);

    /** Logs at every level every two seconds, an exception every third round. */
    static final class ChattyWorker extends Worker {
        private static final java.util.logging.Logger jul =
                java.util.logging.Logger.getLogger("io.workerpool.examples.LogsExample.jul");

        ChattyWorker(int id) {
            super(id);
        }

        @Override
        protected void main() {
            for (int round = 1; isRunning(); round++) {
                // MDC values travel with each record; putCloseable removes them again at the end of the round.
                try (var _ = MDC.putCloseable("order", "o-" + id() + "-" + round);
                        var _ = MDC.putCloseable("user", round % 2 == 0 ? "alice" : "bob")) {
                    log.trace("round {}: TRACE, dropped: logback.xml sets io.workerpool.examples to DEBUG", round);
                    log.debug("round {}: looking up the order", round);
                    log.info("round {}: order placed", round);
                    log.warn("round {}: stock is low", round);
                    if (round % 3 == 0) {
                        Exception failure = new IllegalStateException("order " + MDC.get("order") + " not saved",
                                new IOException("disk full"));
                        log.error("round {}: saving failed", round, failure); // last argument: the throwable
                    }
                }
                // java.util.logging works too, here from a thread of its own: its name is kept as well.
                int n = round;
                Thread julThread = Thread.ofPlatform().name("jul-" + id())
                        .start(() -> jul.info("round " + n + ": hello from java.util.logging"));
                try {
                    julThread.join();
                    Thread.sleep(2000);
                } catch (InterruptedException e) {
                    return; // Ctrl-C
                }
            }
        }
    }

    public static void main(String[] args) {
        Supervisor pool = Supervisor.builder(ChattyWorker::new).workers(2).build();
        pool.onStart(() -> log.info("master logging: worker lines show the worker id, these show [master]"));
        pool.main();
    }
}
