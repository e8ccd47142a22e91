package io.workerpool.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The records of the log-forwarding figure, the same whether they go through a worker's forwarding or
 * straight into Logback: wait for the go file, then log {@code count} INFO records with two arguments.
 */
final class FloodWork {
    /** The logger whose records {@link FloodCounter} counts. */
    static final String LOGGER = "bench.flood";
    private static final Logger LOG = LoggerFactory.getLogger(LOGGER);

    private FloodWork() {
    }

    static void awaitGo(Path go) throws InterruptedException {
        while (!Files.exists(go)) {
            Thread.sleep(1);
        }
    }

    static void flood(int producer, long count) {
        for (long i = 0; i < count; i++) {
            LOG.info("request {} of producer {} served", i, producer);
        }
    }
}
