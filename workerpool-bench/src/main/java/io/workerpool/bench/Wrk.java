package io.workerpool.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs wrk against a loopback URL for a bounded time and reads its summary. */
final class Wrk {
    static final int THREADS = 2;
    static final int CONNECTIONS = 50;

    private static final Pattern REQUESTS_PER_SECOND = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern P99 = Pattern.compile("^\\s*99(?:\\.0+)?%\\s+([0-9.]+)(us|ms|s)\\s*$",
            Pattern.MULTILINE);
    private static final Pattern SOCKET_ERRORS = Pattern.compile("Socket errors: (.*)");
    private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
    private static final Pattern PER_WORKER = Pattern.compile("^SPREAD worker (\\d+) (\\d+)$", Pattern.MULTILINE);

    /**
     * A wrk script that counts the responses per worker ("hello from worker N" in the body) and prints
     * {@code SPREAD worker N COUNT} lines at the end: how the connections spread across the workers.
     */
    static final String SPREAD_SCRIPT = """
            local threads = {}
            function setup(thread) table.insert(threads, thread) end
            function init(args) counts = {} end
            function response(status, headers, body)
              local w = string.match(body, "worker (%d+)")
              if w then counts[w] = (counts[w] or 0) + 1 end
            end
            function done(summary, latency, requests)
              local total = {}
              for _, t in ipairs(threads) do
                for k, v in pairs(t:get("counts")) do total[k] = (total[k] or 0) + v end
              end
              for k, v in pairs(total) do io.write(string.format("SPREAD worker %s %d\\n", k, v)) end
            end
            """;

    /**
     * What wrk reported: requests per second, the 99th percentile latency, errors if any (or null), and
     * with the spread script, the responses each worker sent, by worker id (empty without it); the requests
     * it completed (-1 if not read); and what the harness adds: the server's CPU time per request over the
     * run (master and workers together; NaN when not measured) and the busiest worker's share of connections
     * opened in bursts ({@link HttpBench}; NaN when not measured).
     */
    record Result(double requestsPerSecond, double p99Millis, String errors, java.util.Map<Integer, Long> perWorker,
            long requests, double cpuMicrosPerRequest, java.util.Map<String, Double> cpuMicrosByThreadKind,
            double burstBusiestShare) {
        Result(double requestsPerSecond, double p99Millis, String errors) {
            this(requestsPerSecond, p99Millis, errors, java.util.Map.of(), -1, Double.NaN, java.util.Map.of(),
                    Double.NaN);
        }

        Result withCpuPerRequest(double micros, java.util.Map<String, Double> byThreadKind) {
            return new Result(requestsPerSecond, p99Millis, errors, perWorker, requests, micros,
                    java.util.Map.copyOf(byThreadKind), burstBusiestShare);
        }

        Result withBurstBusiestShare(double share) {
            return new Result(requestsPerSecond, p99Millis, errors, perWorker, requests, cpuMicrosPerRequest,
                    cpuMicrosByThreadKind, share);
        }

        /** The busiest worker's share of all responses (0..1), or NaN without counts. */
        double busiestShare() {
            long total = perWorker.values().stream().mapToLong(Long::longValue).sum();
            return total == 0 ? Double.NaN
                    : perWorker.values().stream().mapToLong(Long::longValue).max().orElse(0) / (double) total;
        }
    }

    private Wrk() {
    }

    static Result run(int port, Duration duration) {
        return run(port, duration, null);
    }

    /** With a {@code script} (a file holding {@link #SPREAD_SCRIPT}), the result counts responses per worker. */
    static Result run(int port, Duration duration, java.nio.file.Path script) {
        String url = "http://127.0.0.1:" + port + "/";
        List<String> command = new java.util.ArrayList<>(List.of("wrk", "-t" + THREADS, "-c" + CONNECTIONS,
                "-d" + duration.toSeconds() + "s", "--latency", "--timeout", "5s"));
        if (script != null) {
            command.addAll(List.of("-s", script.toString()));
        }
        command.add(url);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            process.getOutputStream().close();
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(duration.toSeconds() + 30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new BenchException("wrk did not end 30 s after its " + duration.toSeconds() + " s run");
            }
            return parse(new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new BenchException("cannot run wrk: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BenchException("interrupted");
        }
    }

    static Result parse(String output) {
        Matcher rps = REQUESTS_PER_SECOND.matcher(output);
        Matcher p99 = P99.matcher(output);
        if (!rps.find() || !p99.find()) {
            throw new BenchException("cannot read wrk's output:\n" + output);
        }
        double value = Double.parseDouble(p99.group(1));
        double millis = switch (p99.group(2)) {
            case "us" -> value / 1000;
            case "ms" -> value;
            default -> value * 1000;
        };
        StringBuilder errors = new StringBuilder();
        Matcher socket = SOCKET_ERRORS.matcher(output);
        if (socket.find()) {
            errors.append("socket errors: ").append(socket.group(1).trim());
        }
        Matcher non2xx = NON_2XX.matcher(output);
        if (non2xx.find()) {
            errors.append(errors.isEmpty() ? "" : "; ").append(non2xx.group(1)).append(" non-2xx responses");
        }
        java.util.Map<Integer, Long> perWorker = new java.util.TreeMap<>();
        Matcher spread = PER_WORKER.matcher(output);
        while (spread.find()) {
            perWorker.put(Integer.parseInt(spread.group(1)), Long.parseLong(spread.group(2)));
        }
        Matcher requests = REQUESTS.matcher(output);
        return new Result(Double.parseDouble(rps.group(1)), millis, errors.isEmpty() ? null : errors.toString(),
                java.util.Collections.unmodifiableMap(perWorker), requests.find() ? Long.parseLong(requests.group(1))
                : -1, Double.NaN, java.util.Map.of(), Double.NaN);
    }

    static String describe() {
        return String.format(Locale.ROOT, "wrk -t%d -c%d --latency", THREADS, CONNECTIONS);
    }
}
