package io.workerpool.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example's fat jar as a pool of 2 workers, {@code java -jar app.jar}: one pool shared by the tests, in
 * order (each leaves it with 2 running workers; the last one stops it).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpringPoolIT {
    private static final String VERSION_RESOURCE = "BOOT-INF/classes/example-version.txt";
    private static final Duration SHUTDOWN_PHASE = Duration.ofSeconds(10);
    private static final String STARTED = "worker %d \\[RUNNING\\] \\(pid (\\d+)\\) started";

    private Path dir;
    private Path jar;
    private SpringPool pool;
    private int port;

    @BeforeAll
    void startPool(@TempDir Path tempDir) throws Exception {
        dir = tempDir;
        jar = dir.resolve("app.jar");
        Files.copy(SpringPool.EXAMPLE_JAR, jar);
        pool = SpringPool.start(dir, jar, "--server.port=0", "--workerpool.workers=2",
                "--workerpool.pid-file=" + dir.resolve("pool.pid"),
                // the master's /metrics, with the workers' Actuator meters shipped every second
                "--workerpool.metrics=127.0.0.1:0", "--workerpool.metrics.ship-interval=1s",
                // a new worker must be ready within workerTimeout: room for Spring's start on a loaded machine
                "--workerpool.worker-timeout=120s",
                "--spring.lifecycle.timeout-per-shutdown-phase=" + SHUTDOWN_PHASE.toSeconds() + "s");
        port = pool.port();
        pool.awaitLine("pool ready: 2 workers running", SpringPool.START_TIMEOUT);
    }

    @AfterAll
    void stopPool() throws InterruptedException {
        if (pool != null) {
            pool.close();
        }
    }

    @Test
    @Order(1)
    void twoWorkersAnswerOnOnePortAndStatusListsThem() throws Exception {
        Set<String> workers = new HashSet<>();
        for (int i = 0; i < 200 && workers.size() < 2; i++) {
            SpringPool.Response response = SpringPool.get(port, "/");
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.field("version")).isEqualTo("1");
            workers.add(response.field("worker"));
        }
        assertThat(workers).containsExactlyInAnyOrder("0", "1");

        long pid0 = Long.parseLong(pool.awaitLine(STARTED.formatted(0), Duration.ZERO).group(1));
        long pid1 = Long.parseLong(pool.awaitLine(STARTED.formatted(1), Duration.ZERO).group(1));
        String status = cli("status", "--pidfile", dir.resolve("pool.pid").toString());
        assertThat(status).contains(Long.toString(pid0)).contains(Long.toString(pid1));
    }

    @Test
    @Order(2)
    void eachWorkersActuatorMetersAppearOnTheMastersMetricsWithItsWorkerLabel() throws Exception {
        int metricsPort = Integer.parseInt(pool.awaitLine("serving http://127\\.0\\.0\\.1:(\\d+)/healthz",
                Duration.ZERO).group(1));
        // the previous test sent requests to both workers; Boot's own meters, no code in the application
        List<Pattern> expected = new ArrayList<>();
        for (String worker : List.of("0", "1")) {
            expected.add(Pattern.compile("(?m)^http_server_requests_seconds_count\\{[^}]*worker=\"" + worker
                    + "\"[^}]*\\} [1-9]"));
            expected.add(Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*worker=\"" + worker + "\"[^}]*\\} "));
        }
        String metrics = "";
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            SpringPool.Response response = SpringPool.get(metricsPort, "/metrics");
            assertThat(response.status()).isEqualTo(200);
            metrics = response.body();
            String text = metrics;
            if (expected.stream().allMatch(pattern -> pattern.matcher(text).find())) {
                break;
            }
            Thread.sleep(200);
        }
        for (Pattern pattern : expected) {
            assertThat(pattern.matcher(metrics).find()).as("%s in the master's /metrics:%n%s", pattern, metrics)
                    .isTrue();
        }
    }

    @Test
    @Order(3)
    void aControllersLogRecordAppearsOnceInTheMastersLogWithTheWorkerId() throws Exception {
        String marker = UUID.randomUUID().toString();
        SpringPool.Response response = SpringPool.get(port, "/log?message=" + marker);
        assertThat(response.status()).isEqualTo(200);
        String worker = response.field("worker");
        pool.awaitLine("log request: " + marker, Duration.ofSeconds(30));
        // a moment for a duplicate to show up, if there were one: the next record of the same worker
        SpringPool.get(port, "/log?message=after-" + marker);
        pool.awaitLine("log request: after-" + marker, Duration.ofSeconds(30));
        List<String> lines = pool.log().lines().filter(line -> line.contains(marker) && !line.contains("after-"))
                .toList();
        assertThat(lines).hasSize(1);
        assertThat(lines.getFirst()).contains("[worker " + worker + "]").contains(" INFO ")
                .contains("i.w.examples.spring.CounterController").contains("-exec-");
    }

    @Test
    @Order(4)
    void aWorkerKilledUnderLoadFailsOnlyItsOwnRequestsAndIsReplaced() throws Exception {
        Matcher started = pool.awaitLine(STARTED.formatted(0), Duration.ZERO);
        long pid = Long.parseLong(started.group(1));
        HttpLoad load = new HttpLoad(port, 4);
        try {
            load.awaitOk(50);
            SpringPool.signal(pid, "KILL");
            pool.awaitLine("worker 0 .*\\(pid " + pid + "\\) exited", Duration.ofSeconds(30));
            pool.awaitLine(STARTED.formatted(0), 2, SpringPool.START_TIMEOUT);
            load.awaitOk(50);
        } finally {
            load.stop();
        }
        // each client thread had at most one request in flight at the killed worker
        assertThat(load.failures()).hasSizeLessThanOrEqualTo(load.threads());
        Set<String> workers = new HashSet<>();
        for (int i = 0; i < 200 && workers.size() < 2; i++) {
            workers.add(SpringPool.get(port, "/").field("worker"));
        }
        assertThat(workers).containsExactlyInAnyOrder("0", "1");
    }

    @Test
    @Order(5)
    void aRollingReloadUnderLoadToANewJarFailsNoRequestAndServesTheNewVersion() throws Exception {
        Path newBuild = dir.resolve("app-2.jar");
        withVersion(jar, newBuild, "2");
        HttpLoad load = new HttpLoad(port, 4);
        try {
            load.awaitOk(50);
            // a deploy: the new build replaces the jar the workers are started from, then a reload
            Files.move(newBuild, jar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            SpringPool.signal(pool.master().pid(), "HUP");
            pool.awaitLine("reload completed", SpringPool.START_TIMEOUT);
            load.awaitOk(50);
        } finally {
            load.stop();
        }
        assertThat(load.failures()).isEmpty();
        assertThat(load.versions()).containsKeys("1", "2");
        for (int i = 0; i < 20; i++) {
            assertThat(SpringPool.get(port, "/").field("version")).isEqualTo("2");
        }
    }

    @Test
    @Order(6)
    void sigtermDuringASlowRequestLetsItFinishAndTheMasterExitsZero() throws Exception {
        int slowRequestsBefore = (int) pool.log().lines().filter(line -> line.contains("slow request started")).count();
        CompletableFuture<SpringPool.Response> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return SpringPool.get(port, "/slow?ms=2000");
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        pool.awaitLine("slow request started", slowRequestsBefore + 1, Duration.ofSeconds(30));
        long start = System.nanoTime();
        SpringPool.signal(pool.master().pid(), "TERM");
        SpringPool.Response response = slow.get(30, TimeUnit.SECONDS);
        assertThat(response.status()).isEqualTo(200);
        assertThat(response.field("slept")).isEqualTo("2000");
        Duration stopTimeout = SHUTDOWN_PHASE.plusSeconds(5);
        assertThat(pool.master().waitFor(stopTimeout.toSeconds() + 5, TimeUnit.SECONDS)).isTrue();
        assertThat(pool.master().exitValue()).isZero();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(stopTimeout.plusSeconds(5));
        String stopping = pool.log().substring(pool.log().indexOf("pool stopping (SIGTERM)"));
        assertThat(stopping).contains("Graceful shutdown complete").doesNotContain("SIGKILL")
                .doesNotContain("Socket accept failed").doesNotContain("ERROR");
    }

    /** The same jar with another version resource: what a new build of the application would be. */
    static void withVersion(Path source, Path target, String version) throws IOException {
        try (ZipFile in = new ZipFile(source.toFile());
                ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(target))) {
            for (Enumeration<? extends ZipEntry> entries = in.entries(); entries.hasMoreElements(); ) {
                ZipEntry entry = entries.nextElement();
                if (entry.getName().equals(VERSION_RESOURCE)) {
                    out.putNextEntry(new ZipEntry(VERSION_RESOURCE));
                    out.write((version + "\n").getBytes(StandardCharsets.UTF_8));
                } else {
                    // nested jars stay STORED, as Spring Boot's loader needs them
                    ZipEntry copy = new ZipEntry(entry);
                    if (copy.getMethod() == ZipEntry.DEFLATED) {
                        copy.setCompressedSize(-1);
                    }
                    out.putNextEntry(copy);
                    try (InputStream data = in.getInputStream(entry)) {
                        data.transferTo(out);
                    }
                }
                out.closeEntry();
            }
        }
    }

    /** Runs the workerpool command with the tests' class path; returns its output, asserting exit 0. */
    private String cli(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(SpringPool.javaBinary(), "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), "io.workerpool.cli.WorkerpoolCli"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }
}
