package io.workerpool.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One repetition of the HTTP figure for one server: the Jetty example of workerpool-examples, or the Node
 * cluster hello world, with 2 workers on a loopback port. Once every worker has answered, a wrk warm-up run
 * (not counted), then the measured run.
 */
final class HttpBench {
    static final String JETTY_EXAMPLE = "io.workerpool.examples.JettyExample";
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final Pattern WORKER_ID = Pattern.compile("hello from worker (\\d+)");

    private final BenchContext context;

    HttpBench(BenchContext context) {
        this.context = context;
    }

    /** The class path of the examples as ./run-example builds it, or null when they are not built. */
    String examplesClasspath() {
        Path root = context.root();
        Path classes = root.resolve("workerpool-examples/target/classes");
        Path deps = root.resolve("workerpool-examples/target/classpath.txt");
        Path core = root.resolve("workerpool-core/target/classes");
        if (!Files.isDirectory(classes) || !Files.isRegularFile(deps) || !Files.isDirectory(core)) {
            return null;
        }
        List<String> entries = new ArrayList<>(List.of(classes.toString(), core.toString()));
        try {
            for (String entry : Files.readString(deps).trim().split(":")) {
                if (!entry.isBlank() && !entry.contains("workerpool-core")) {
                    entries.add(entry);
                }
            }
        } catch (IOException e) {
            return null;
        }
        return String.join(":", entries);
    }

    Wrk.Result jetty(int repetition) {
        return jetty(repetition, false);
    }

    /**
     * The same Jetty server alone in one JVM, without the library: one server with the threads of all the
     * pool's workers together (the baseline of the library's cost per request).
     */
    Wrk.Result jettyAlone(int repetition) {
        return jetty(repetition, true);
    }

    private Wrk.Result jetty(int repetition, boolean alone) {
        int port = BenchContext.freePort();
        int workers = context.settings().httpWorkers();
        String tag = (alone ? "http-jetty-alone-" : "http-jetty-") + repetition;
        List<String> command = context.javaCommandWithClasspath(List.of("-Dworkerpool.example.port=" + port,
                "-Dworkerpool.example.workers=" + workers, "-Dworkerpool.example.alone=" + alone),
                examplesClasspath(), JETTY_EXAMPLE);
        try (Child server = Child.start("Jetty example " + tag, command, context.runDir(), Map.of(),
                context.runDir().resolve(tag + ".log"))) {
            return measure(server, port, alone ? 1 : workers);
        }
    }

    Wrk.Result node(int repetition) {
        int port = BenchContext.freePort();
        int workers = context.settings().httpWorkers();
        String tag = "http-node-" + repetition;
        Path stamps = context.file(tag + ".stamps");
        try (Child server = new NodeClusterPeer().launch(context, workers, port, stamps, tag)) {
            new StampTail(stamps).awaitDistinctPids(workers, READY_TIMEOUT, "listening Node workers (log: "
                    + server.log() + ")");
            return measure(server, port, workers);
        }
    }

    private Wrk.Result measure(Child server, int port, int workers) {
        awaitAllWorkersAnswering(server, port, workers);
        Wrk.run(port, context.settings().httpWarmup());
        server.requireAlive();
        Wrk.Result result = Wrk.run(port, context.settings().httpDuration(), spreadScript());
        server.requireAlive();
        return result;
    }

    private Path spreadScript() {
        Path script = context.runDir().resolve("spread.lua");
        try {
            if (!Files.exists(script)) {
                Files.writeString(script, Wrk.SPREAD_SCRIPT);
            }
        } catch (IOException e) {
            throw new BenchException("cannot write " + script + ": " + e.getMessage(), e);
        }
        return script;
    }

    /** Sends requests on fresh connections until each of the workers has answered once. */
    private static void awaitAllWorkersAnswering(Child server, int port, int workers) {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Set<String> answered = new HashSet<>();
        while (answered.size() < workers) {
            server.requireAlive();
            if (System.nanoTime() > deadline) {
                throw new BenchException("only workers " + answered + " of " + server + " answered within "
                        + READY_TIMEOUT.toSeconds() + " s (log: " + server.log() + ")");
            }
            String body = get(port);
            Matcher m = body == null ? null : WORKER_ID.matcher(body);
            if (m != null && m.find()) {
                answered.add(m.group(1));
            } else {
                StampTail.sleep(Duration.ofMillis(20));
            }
        }
    }

    /** One HTTP/1.0 GET /, or null when nothing answers yet. */
    private static String get(int port) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }
}
