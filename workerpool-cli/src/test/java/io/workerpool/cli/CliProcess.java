package io.workerpool.cli;

import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The {@code workerpool} command as a real JVM, as the launcher script starts it: this module's classes and
 * dependencies, without the test classes, which the tests hand to {@code run} with {@code --classpath}.
 * {@link #close()} kills the command's JVM and every JVM it started (its descendants, the workers named in the
 * events file, the master named in the pidfile), also when the test failed.
 */
final class CliProcess implements AutoCloseable {
    /** Where the test workers are: the test classes directory, not on the command's own class path. */
    static final String TEST_CLASSES = Path.of("target", "test-classes").toAbsolutePath().toString();
    static final String RECORDING_WORKER = "io.workerpool.cli.testworkers.RecordingWorker";
    private static final Pattern WORKER_LINE = Pattern.compile("worker-(?:main|shutdown) (\\d+) (\\d+).*");

    /** What a command that ran to its end left: exit status, stdout, stderr. */
    record Result(int exit, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
        }
    }

    private final Process process;
    private final Path output;
    private final Path events;
    private final Path pidFile;

    private CliProcess(Process process, Path output, Path events, Path pidFile) {
        this.process = process;
        this.output = output;
        this.events = events;
        this.pidFile = pidFile;
    }

    /** Runs the command to its end (at most 60 s), in {@code dir}. */
    static Result run(Path dir, String... args) throws IOException, InterruptedException {
        return run(dir, Duration.ofSeconds(60), args);
    }

    /** Runs the command to its end (at most {@code atMost}), in {@code dir}; kills it and its JVMs otherwise. */
    static Result run(Path dir, Duration atMost, String... args) throws IOException, InterruptedException {
        Path out = Files.createTempFile(dir, "out-", ".txt");
        Path err = Files.createTempFile(dir, "err-", ".txt");
        Process process = builder(dir, args).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            if (!process.waitFor(atMost.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                throw new AssertionError("workerpool " + String.join(" ", args) + " did not end within "
                        + atMost.toSeconds() + " s");
            }
            return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            process.destroyForcibly();
        }
    }

    /**
     * Starts the command in the background, in {@code dir}, stdout and stderr to {@code dir/<name>.log}.
     *
     * @param events the test workers' events file, whose pids {@link #close()} kills
     * @param pidFile a pidfile whose master {@link #close()} kills (a daemon is no child of ours), or null
     */
    static CliProcess start(Path dir, String name, Path events, Path pidFile, String... args) throws IOException {
        return start(dir, name, events, pidFile, List.of(), args);
    }

    /** As {@link #start}, with JVM options for the command's JVM (e.g. a temp directory of its own). */
    static CliProcess start(Path dir, String name, Path events, Path pidFile, List<String> jvmOptions,
            String... args) throws IOException {
        Path output = dir.resolve(name + ".log");
        ProcessBuilder builder = builder(dir, args);
        builder.command().addAll(1, jvmOptions);
        Process process = builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new CliProcess(process, output, events, pidFile);
    }

    /**
     * As {@link #start}, but the command's parent never reaps it: a shell starts it in the background and then
     * becomes {@code sleep}, so once it exits it stays a zombie until {@link #close()} ends that {@code sleep}.
     * {@link #process()} is the {@code sleep}; the command is its child.
     */
    static CliProcess startUnreaped(Path dir, String name, Path events, Path pidFile, String... args)
            throws IOException {
        Path output = dir.resolve(name + ".log");
        List<String> command = new ArrayList<>(List.of("sh", "-c", "\"$@\" & exec sleep 300", "sh"));
        command.addAll(builder(dir, args).command());
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new CliProcess(process, output, events, pidFile);
    }

    /**
     * As {@link #start}, but as a terminal starts a foreground job: in a session and process group of its own,
     * whose id is the command's pid (a signal to {@code -pid} reaches the group, as Ctrl-C does), and with
     * SIGTTIN and SIGTTOU ignored, as some terminal multiplexers start their shells.
     */
    static CliProcess startAsGroupLeader(Path dir, String name, Path events, Path pidFile, String... args)
            throws IOException {
        Path output = dir.resolve(name + ".log");
        ProcessBuilder builder = builder(dir, args);
        // setsid and sh exec in place: the pid stays the command's
        builder.command().addAll(0, List.of("/usr/bin/setsid", "/bin/sh", "-c", "trap '' TTIN TTOU; exec \"$@\"",
                "sh"));
        Process process = builder.redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new CliProcess(process, output, events, pidFile);
    }

    private static ProcessBuilder builder(Path dir, String... args) {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElseThrow());
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Xshare:auto");
        command.add("-XX:TieredStopAtLevel=1");
        command.add("-cp");
        command.add(Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !Path.of(entry).toAbsolutePath().toString().equals(TEST_CLASSES))
                .collect(Collectors.joining(File.pathSeparator)));
        command.add(WorkerpoolCli.class.getName());
        command.addAll(List.of(args));
        return new ProcessBuilder(command).directory(dir.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    }

    Process process() {
        return process;
    }

    String output() {
        try {
            return Files.exists(output) ? Files.readString(output) : "";
        } catch (IOException e) {
            return "(cannot read " + output + ": " + e + ")";
        }
    }

    static List<String> events(Path events) {
        try {
            return Files.exists(events) ? Files.readAllLines(events, StandardCharsets.UTF_8) : List.of();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits until {@code count} lines of the events file match {@code regex}. */
    void awaitEvents(String regex, long count) {
        Pattern pattern = Pattern.compile(regex);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .alias(count + " events matching '" + regex + "'\nevents: " + events(events) + "\noutput:\n" + output())
                .until(() -> events(events).stream().filter(l -> pattern.matcher(l).matches()).count() >= count);
    }

    /** Pid of the latest JVM that ran worker {@code id}'s main, or -1. */
    long workerPid(int id) {
        long pid = -1;
        for (String line : events(events)) {
            Matcher m = WORKER_LINE.matcher(line);
            if (line.startsWith("worker-main ") && m.matches() && Integer.parseInt(m.group(1)) == id) {
                pid = Long.parseLong(m.group(2));
            }
        }
        return pid;
    }

    @Override
    public void close() {
        List<ProcessHandle> ours = new ArrayList<>();
        if (process.isAlive()) {
            process.descendants().forEach(ours::add);
        }
        // Pids from files may have been reused since: only a JVM whose command line names the events file is ours.
        for (String line : events(events)) {
            Matcher m = WORKER_LINE.matcher(line);
            if (m.matches()) {
                ProcessHandle.of(Long.parseLong(m.group(2))).filter(this::namesEvents).ifPresent(ours::add);
            }
        }
        masterFromPidFile().filter(this::namesEvents).ifPresent(master -> {
            ours.add(master);
            master.descendants().forEach(ours::add);
        });
        process.destroyForcibly();
        ours.forEach(ProcessHandle::destroyForcibly);
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean namesEvents(ProcessHandle handle) {
        return handle.info().commandLine().map(line -> line.contains(events.toString())).orElse(false);
    }

    private java.util.Optional<ProcessHandle> masterFromPidFile() {
        try {
            if (pidFile != null && Files.exists(pidFile)) {
                return ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip()));
            }
        } catch (IOException | NumberFormatException e) {
            // no master to kill then
        }
        return java.util.Optional.empty();
    }
}
