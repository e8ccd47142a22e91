package io.workerpool.bench;

import io.workerpool.Supervisor;
import io.workerpool.Worker;
import java.nio.file.Path;

/**
 * The pool of the restart, cold start and footprint figures: N workers that stamp in onStart and then idle.
 * Usage: {@code RestartPool STAMP_FILE WORKERS}. The harness SIGKILLs workers and times their replacements.
 * System properties: {@code bench.workerJvmOptions} (space-separated) adds JVM options for the workers only,
 * {@code bench.stopTimeoutSeconds} (default 5) is the pool's stop timeout, {@code bench.aotCache} a file for
 * {@code aotCache(...)}, {@code bench.spares} (default 0) the pool's hot spares.
 */
public final class RestartPool {
    private RestartPool() {
    }

    /** Stamps in onStart (the moment the master would call it ready), then idles. */
    static final class StampingWorker extends Worker {
        StampingWorker(int id, Path stamps) {
            super(id);
            onStart(() -> IdleWork.ready(stamps, id));
        }

        @Override
        protected void main() throws InterruptedException {
            IdleWork.idle(this::isRunning);
        }
    }

    /**
     * The space-separated words of {@code text}. Not {@code String.split("\\s+")}: this main runs in every
     * worker too, and a regex there loads some 25 JDK classes a bare JVM doesn't (counted by {@link ClassCount}).
     */
    static String[] words(String text) {
        java.util.List<String> words = new java.util.ArrayList<>();
        int start = -1;
        for (int i = 0; i <= text.length(); i++) {
            boolean space = i == text.length() || Character.isWhitespace(text.charAt(i));
            if (space && start >= 0) {
                words.add(text.substring(start, i));
                start = -1;
            } else if (!space && start < 0) {
                start = i;
            }
        }
        return words.toArray(new String[0]);
    }

    public static void main(String[] args) {
        Path stamps = Path.of(args[0]);
        int workers = Integer.parseInt(args[1]);
        String[] workerOptions = words(System.getProperty("bench.workerJvmOptions", ""));
        Supervisor.Builder builder = Supervisor.builder(id -> new StampingWorker(id, stamps));
        String aotCache = System.getProperty("bench.aotCache");
        if (aotCache != null) {
            builder.aotCache(Path.of(aotCache));
        }
        builder.spares(Integer.getInteger("bench.spares", 0))
                .workers(workers)
                .stopTimeout(java.time.Duration.ofSeconds(Long.getLong("bench.stopTimeoutSeconds", 5)))
                .workerJvmOptions(workerOptions)
                .build()
                .main();
    }
}
