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
    static final int BURSTS = 10;
    static final int BURST_CONNECTIONS = 20;
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
            Wrk.Result result = measure(server, port, alone ? 1 : workers);
            return alone ? result : result.withBurstBusiestShare(burstBusiestShare(server, port));
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
        long cpuBefore = treeCpuNanos(server.pid());
        Map<String, Long> threadsBefore = threadCpuByKind(server.pid());
        Wrk.Result result = Wrk.run(port, context.settings().httpDuration(), spreadScript());
        long cpuAfter = treeCpuNanos(server.pid());
        Map<String, Long> threadsAfter = threadCpuByKind(server.pid());
        server.requireAlive();
        if (cpuBefore < 0 || cpuAfter < 0 || result.requests() <= 0) {
            return result;
        }
        Map<String, Double> byKind = new java.util.TreeMap<>();
        threadsAfter.forEach((kind, nanos) -> byKind.put(kind,
                (nanos - threadsBefore.getOrDefault(kind, 0L)) / 1000.0 / result.requests()));
        return result.withCpuPerRequest((cpuAfter - cpuBefore) / 1000.0 / result.requests(), byKind);
    }

    /**
     * CPU time of the live threads of a process tree by kind, from each thread's name: the JIT's compiler
     * threads, the garbage collector's, the library's own ({@code workerpool-*}), and the rest (the server's).
     */
    static Map<String, Long> threadCpuByKind(long pid) {
        Map<String, Long> byKind = new java.util.TreeMap<>();
        List<Long> pids = new ArrayList<>(List.of(pid));
        ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(d -> pids.add(d.pid())));
        for (long p : pids) {
            try (java.nio.file.DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + p + "/task"))) {
                for (Path task : tasks) {
                    String name = ProcFs.threadName(task);
                    long nanos = ProcFs.cpuTicksNanos(task);
                    if (name != null && nanos >= 0) {
                        byKind.merge(threadKind(name), nanos, Long::sum);
                    }
                }
            } catch (IOException gone) {
                // the process ended while we looked
            }
        }
        return byKind;
    }

    static String threadKind(String name) {
        if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
            return "JIT";
        }
        if (name.startsWith("GC Thread") || name.startsWith("G1 ") || name.startsWith("VM Thread")
                || name.startsWith("VM Periodic")) {
            return "GC and VM";
        }
        if (name.startsWith("workerpool")) {
            return "library";
        }
        return "server";
    }

    /**
     * CPU time (user + system, 10 ms ticks) of a process and all its descendants: the master and its workers,
     * or the one JVM of a baseline. -1 if the process itself is gone.
     */
    static long treeCpuNanos(long pid) {
        long total = ProcFs.cpuTicksNanos(pid);
        if (total < 0) {
            return -1;
        }
        for (ProcessHandle child : ProcessHandle.of(pid).map(h -> h.descendants().toList()).orElse(List.of())) {
            total += Math.max(0, ProcFs.cpuTicksNanos(child.pid()));
        }
        return total;
    }

    /**
     * How connections opened all at once spread across the workers (the way wrk or a client's connection pool
     * opens them): {@value #BURSTS} bursts of {@value #BURST_CONNECTIONS} connections, each connection asks
     * once which worker holds it. The median over the bursts of the busiest worker's share of its burst.
     */
    private static double burstBusiestShare(Child server, int port) {
        List<Double> shares = new ArrayList<>();
        for (int burst = 0; burst < BURSTS; burst++) {
            server.requireAlive();
            Map<String, Integer> perWorker = new java.util.HashMap<>();
            List<java.nio.channels.SocketChannel> channels = new ArrayList<>();
            try {
                for (int i = 0; i < BURST_CONNECTIONS; i++) {
                    java.nio.channels.SocketChannel channel = java.nio.channels.SocketChannel.open();
                    channels.add(channel);
                    channel.configureBlocking(false);
                    channel.connect(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                }
                for (java.nio.channels.SocketChannel channel : channels) {
                    channel.configureBlocking(true);
                    channel.finishConnect();
                    String body = exchange(channel.socket());
                    Matcher m = body == null ? null : WORKER_ID.matcher(body);
                    if (m == null || !m.find()) {
                        throw new BenchException("a burst connection got no worker id from " + server + " (log: "
                                + server.log() + ")");
                    }
                    perWorker.merge(m.group(1), 1, Integer::sum);
                }
            } catch (IOException e) {
                throw new BenchException("burst connections to port " + port + " failed: " + e.getMessage(), e);
            } finally {
                for (java.nio.channels.SocketChannel channel : channels) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // closing a loopback client socket
                    }
                }
            }
            shares.add(perWorker.values().stream().mapToInt(Integer::intValue).max().orElse(0)
                    / (double) BURST_CONNECTIONS);
            StampTail.sleep(Duration.ofMillis(100)); // let the workers close the last burst's connections
        }
        return Summary.percentile(shares, 50);
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
            return exchange(socket);
        } catch (IOException e) {
            return null;
        }
    }

    /** One HTTP/1.0 GET / on a connected socket: the whole response (the server closes after it). */
    private static String exchange(Socket socket) throws IOException {
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
