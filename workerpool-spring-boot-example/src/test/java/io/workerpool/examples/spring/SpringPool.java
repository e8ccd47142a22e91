package io.workerpool.examples.spring;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example's fat jar run as a pool, {@code java -jar app.jar ...}, as a user runs it: its output (the
 * master's log, with the workers' records replayed in it) goes to a file the test reads. {@link #close()}
 * kills the master and every JVM it started, also when a test failed.
 */
final class SpringPool implements AutoCloseable {
    static final Path EXAMPLE_JAR = Path.of(System.getProperty("example.jar",
            "target/workerpool-spring-boot-example.jar")).toAbsolutePath();
    static final Duration START_TIMEOUT = Duration.ofSeconds(180);
    private static final Pattern LISTENING = Pattern.compile("listening on .*:(\\d+) \\(backlog");

    private final Process master;
    private final Path output;
    private final List<ProcessHandle> started = new ArrayList<>();

    private SpringPool(Process master, Path output) {
        this.master = master;
        this.output = output;
    }

    /** Starts {@code java -jar jar args} in {@code dir}; output in dir/master.log. */
    static SpringPool start(Path dir, Path jar, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-jar", jar.toString()));
        command.addAll(List.of(args));
        Path output = dir.resolve("master.log");
        Process process = new ProcessBuilder(command).directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        return new SpringPool(process, output);
    }

    static String javaBinary() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    Process master() {
        return master;
    }

    /** The master's output so far. */
    String log() throws IOException {
        return Files.readString(output, StandardCharsets.UTF_8);
    }

    /** Waits until the output has a line matching {@code regex} (found by find()); returns its match. */
    Matcher awaitLine(String regex, Duration timeout) throws IOException, InterruptedException {
        return awaitLine(regex, 1, timeout);
    }

    /** Waits until the output has {@code count} lines matching {@code regex}; returns the last one's match. */
    Matcher awaitLine(String regex, int count, Duration timeout) throws IOException, InterruptedException {
        Pattern pattern = Pattern.compile(regex);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher last = null;
            int seen = 0;
            for (String line : log().lines().toList()) {
                Matcher matcher = pattern.matcher(line);
                if (matcher.find()) {
                    seen++;
                    last = matcher;
                }
            }
            if (seen >= count) {
                return last;
            }
            if (!master.isAlive() && seen < count) {
                throw new AssertionError("the master exited (" + master.exitValue() + ") before its log had " + count
                        + " line(s) matching " + regex + "; its log:\n" + log());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + count + " line(s) matching " + regex + " in " + timeout
                        + "; the master's log:\n" + log());
            }
            Thread.sleep(50);
        }
    }

    /** The shared port, from the master's "listening on" line. */
    int port() throws IOException, InterruptedException {
        return Integer.parseInt(awaitLine(LISTENING.pattern(), START_TIMEOUT).group(1));
    }

    /** Sends a signal to the master (or a worker) with kill(1). */
    static void signal(long pid, String signal) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }

    /** One HTTP/1.1 GET on a new connection ({@code Connection: close}): status line and body. */
    static Response get(int port, String path) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (response.isEmpty()) {
                throw new IOException("connection closed without a response");
            }
            int status = Integer.parseInt(response.substring(9, 12));
            int bodyStart = response.indexOf("\r\n\r\n");
            return new Response(status, bodyStart < 0 ? "" : response.substring(bodyStart + 4));
        }
    }

    /** A response: its status and body; {@link #field} reads a JSON field of the example's flat answers. */
    record Response(int status, String body) {
        String field(String name) {
            Matcher matcher = Pattern.compile("\"" + name + "\":\"?([^\",}]*)").matcher(body);
            if (!matcher.find()) {
                throw new AssertionError("no field " + name + " in " + body);
            }
            return matcher.group(1);
        }
    }

    @Override
    public void close() throws InterruptedException {
        master.descendants().forEach(started::add);
        master.destroyForcibly();
        for (ProcessHandle handle : started) {
            handle.destroyForcibly();
        }
        master.waitFor(30, TimeUnit.SECONDS);
        for (ProcessHandle handle : started) {
            handle.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(t -> handle).join();
        }
    }
}
