package io.workerpool.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.MDC;

/**
 * The baseline of the log-forwarding figure: the same records from as many threads of one JVM, straight
 * into the same Logback configuration ({@code flood-logback.xml}: FileAppender and {@link FloodCounter}),
 * each thread with the MDC {@code worker=<n>} a forwarded record carries. Usage:
 * {@code DirectFlood STAMP_FILE GO_FILE THREADS RECORDS_PER_THREAD}. Once all are written it idles until
 * SIGTERM, so that the harness can still read its CPU time.
 */
public final class DirectFlood {
    private DirectFlood() {
    }

    public static void main(String[] args) throws InterruptedException {
        Path stamps = Path.of(args[0]);
        Path go = Path.of(args[1]);
        int threads = Integer.parseInt(args[2]);
        long records = Long.parseLong(args[3]);
        // Logback starts here, before any producer: SLF4J calls made while it initializes go to stand-in
        // loggers that queue their events, which the flood would pile up.
        org.slf4j.LoggerFactory.getILoggerFactory();
        List<Thread> producers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int producer = t;
            producers.add(Thread.ofPlatform().name("producer-" + t).start(() -> {
                MDC.put("worker", Integer.toString(producer));
                try {
                    FloodWork.awaitGo(go);
                } catch (InterruptedException e) {
                    return;
                }
                FloodWork.flood(producer, records);
            }));
        }
        Stamps.append(stamps, 0);
        for (Thread producer : producers) {
            producer.join();
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
