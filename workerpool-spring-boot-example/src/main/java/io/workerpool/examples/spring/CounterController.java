package io.workerpool.examples.spring;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /}: which worker answered, how many requests it has answered, and the application's version
 * (from the jar's {@code example-version.txt}, which the build writes). {@code GET /slow?ms=2000} answers
 * after a while; {@code GET /log?message=...} logs a line.
 */
@RestController
public class CounterController {
    private static final Logger LOG = LoggerFactory.getLogger(CounterController.class);

    private final AtomicLong count = new AtomicLong();
    private final int workerId;
    private final String version;

    /** @param workerId the pool's worker id; -1 when the application runs alone */
    public CounterController(@Value("${workerpool.worker-id:-1}") int workerId) throws IOException {
        this.workerId = workerId;
        try (InputStream in = CounterController.class.getResourceAsStream("/example-version.txt")) {
            this.version = in == null ? "unknown" : new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
        }
    }

    /** Which worker answered, its count and the version. */
    @GetMapping("/")
    public Map<String, Object> hello() {
        return Map.of("worker", workerId, "count", count.incrementAndGet(), "version", version);
    }

    /** Answers after {@code ms} milliseconds (at most a minute): an in-flight request for stop tests. */
    @GetMapping("/slow")
    public Map<String, Object> slow(@RequestParam(defaultValue = "2000") long ms) throws InterruptedException {
        LOG.info("slow request started: answering in {} ms", ms);
        Thread.sleep(Math.min(ms, 60_000));
        return Map.of("worker", workerId, "slept", ms, "version", version);
    }

    /** Logs {@code message} at INFO through SLF4J: in a pool, the line appears in the master's log. */
    @GetMapping("/log")
    public Map<String, Object> log(@RequestParam String message) {
        LOG.info("log request: {}", message);
        return Map.of("worker", workerId, "logged", message);
    }
}
