package io.workerpool.cli.testworkers;

import io.workerpool.Worker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;

/**
 * The worker the CLI tests run, from {@code --classpath target/test-classes}: it appends one line per event to
 * the file named by its first ARG ("worker-main ID PID [ARGS]", "worker-shutdown ID PID"), so that tests wait
 * on lines instead of sleeping. Runs until asked to stop; with the ARG {@code --print}, prints a numbered line to
 * stdout every 20 ms. While a file named as the first ARG plus {@code .fail} exists, its constructor throws.
 */
public class RecordingWorker extends Worker {
    private final Path events;
    private final List<String> args;
    private final long pid = ProcessHandle.current().pid();

    public RecordingWorker(int id, String[] args) {
        super(id);
        this.events = Path.of(args[0]);
        if (Files.exists(Path.of(args[0] + ".fail"))) { // a test's switch: the next JVMs fail to boot
            throw new IllegalStateException("constructor failure on purpose in worker " + id);
        }
        this.args = Arrays.asList(args);
        onShutdown(() -> record("worker-shutdown " + id + " " + pid));
    }

    @Override
    protected void main() throws InterruptedException {
        record("worker-main " + id() + " " + pid + " " + args);
        boolean print = args.contains("--print"); // a numbered line to stdout every 20 ms
        for (long line = 0; isRunning(); line++) {
            if (print) {
                System.out.println("worker " + id() + " line " + line);
            }
            Thread.sleep(20);
        }
    }

    private void record(String line) {
        try {
            Files.writeString(events, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
