package io.workerpool.internal.posix;

import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link HandoffChild} JVM started by a test, with its output (stdout and stderr merged) read line by line
 * on a thread, so tests wait for what the child says instead of sleeping. {@link #close()} kills it.
 */
final class ChildJvm implements AutoCloseable {
    static final Duration LINE_TIMEOUT = Duration.ofSeconds(30);

    private final Process process;
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    private final List<String> seen = new ArrayList<>();

    private ChildJvm(Process process) {
        this.process = process;
        Thread.ofPlatform().daemon().name("child-output-" + process.pid()).start(this::pumpOutput);
    }

    /** Starts {@code java ... HandoffChild mode args...} with this JVM's java binary and class path. */
    static ChildJvm start(String mode, String... args) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command(mode, args)).redirectErrorStream(true);
        return new ChildJvm(builder.start());
    }

    static List<String> command(String mode, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xshare:auto");
        command.add("-XX:TieredStopAtLevel=1"); // these children live a second: start fast
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(HandoffChild.class.getName());
        command.add(mode);
        command.addAll(List.of(args));
        return command;
    }

    Process process() {
        return process;
    }

    long pid() {
        return process.pid();
    }

    /** The next line starting with {@code prefix}, skipping others; fails with the output so far on timeout. */
    String awaitLine(String prefix) throws InterruptedException {
        long deadline = System.nanoTime() + LINE_TIMEOUT.toNanos();
        while (true) {
            String line = lines.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                return fail("no line starting with '%s' from child %d within %s; its output:%n%s", prefix, pid(),
                        LINE_TIMEOUT, output());
            }
            if (line.startsWith(prefix)) {
                return line;
            }
        }
    }

    /** Waits for the child to exit and returns its status; fails with its output on timeout. */
    int awaitExit() throws InterruptedException {
        if (!process.waitFor(LINE_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            fail("child %d did not exit within %s; its output:%n%s", pid(), LINE_TIMEOUT, output());
        }
        return process.exitValue();
    }

    /** Every line the child printed so far. */
    synchronized String output() {
        return String.join(System.lineSeparator(), seen);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(LINE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }

    /**
     * True once {@code pid} has exited: gone, or a zombie nobody reaps (ProcessHandle calls a zombie alive,
     * and in a container the orphan's new parent may never reap it).
     */
    static boolean hasExited(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state == 'Z' || state == 'X';
        } catch (NoSuchFileException e) {
            return true;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private void pumpOutput() {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                synchronized (this) {
                    seen.add(line);
                }
                lines.add(line);
            }
        } catch (IOException e) {
            // the child died: its output ends here
        }
    }
}
