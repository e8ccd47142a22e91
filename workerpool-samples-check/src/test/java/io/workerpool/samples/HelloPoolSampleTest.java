package io.workerpool.samples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * samples/hello-pool, as the invoker built it against this build's artifacts: {@code java -jar} runs a pool whose
 * workers' lines carry their ids, without the JDK's restricted-method warning or SLF4J notices, and SIGTERM stops
 * it with status 0. Its JVMs are killed at the end, also when the check fails.
 */
class HelloPoolSampleTest {
    private static final Path SAMPLE = Path.of("target", "it", "hello-pool").toAbsolutePath();

    @Test
    void theSampleRunsAPoolWhoseWorkerLinesCarryTheirIds() throws Exception {
        Path jar = SAMPLE.resolve("target").resolve("hello-pool.jar");
        assertThat(jar).as("built by the invoker (see target/it/hello-pool/build.log)").isRegularFile();
        Path output = SAMPLE.resolve("target").resolve("run.log");
        Process master = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(), "-jar",
                jar.toString())
                .directory(SAMPLE.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            Pattern worker0 = Pattern.compile("(?m)^\\S+ \\[0\\] INFO  \\S+ - hello from worker 0$");
            Pattern worker1 = Pattern.compile("(?m)^\\S+ \\[1\\] INFO  \\S+ - hello from worker 1$");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).alias("both workers' lines")
                    .until(() -> worker0.matcher(read(output)).find() && worker1.matcher(read(output)).find());
            master.destroy(); // SIGTERM: a graceful stop
            assertThat(master.waitFor(30, TimeUnit.SECONDS)).as(read(output)).isTrue();
            assertThat(master.exitValue()).as(read(output)).isZero();
            assertThat(read(output)).contains("[master] INFO  i.workerpool.Supervisor - pool stopped")
                    .doesNotContain("WARNING: A restricted method").doesNotContain("SLF4J(");
        } finally {
            master.descendants().forEach(ProcessHandle::destroyForcibly);
            master.destroyForcibly();
        }
    }

    /**
     * Without any SLF4J provider the master says so once (SLF4J's 3-line notice); the worker JVMs, which log through
     * the library's own provider, say nothing.
     */
    @Test
    void withoutAnSlf4jBackendOnlyTheMasterSaysSo() throws Exception {
        Path target = SAMPLE.resolve("target");
        String classPath;
        try (var jars = Files.list(target.resolve("lib"))) {
            classPath = target.resolve("classes") + File.pathSeparator + jars.map(Path::toString)
                    .filter(jar -> !jar.contains("logback")).collect(java.util.stream.Collectors.joining(File.pathSeparator));
        }
        Path output = target.resolve("run-without-backend.log");
        Process master = new ProcessBuilder(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", classPath, "com.example.hello.HelloPool")
                .directory(SAMPLE.toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        try {
            // Nothing is logged: wait until both workers have loaded SLF4J (it prints, if at all, while it loads)
            // and connected to the master
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).alias("two workers connected")
                    .until(() -> master.descendants().filter(HelloPoolSampleTest::hasSocket).count() >= 2);
            master.destroy();
            assertThat(master.waitFor(30, TimeUnit.SECONDS)).as(read(output)).isTrue();
            assertThat(master.exitValue()).as(read(output)).isZero();
            String log = read(output);
            assertThat(log.split("No SLF4J providers were found", -1)).as(log).hasSize(2);
            assertThat(log).doesNotContain("WARNING: A restricted method");
        } finally {
            master.descendants().forEach(ProcessHandle::destroyForcibly);
            master.destroyForcibly();
        }
    }

    /** A worker with a socket open has passed its runtime's start, which logs (so loads SLF4J) first. */
    private static boolean hasSocket(ProcessHandle process) {
        try (var fds = Files.list(Path.of("/proc/" + process.pid() + "/fd"))) {
            return fds.anyMatch(fd -> {
                try {
                    return Files.readSymbolicLink(fd).toString().startsWith("socket:");
                } catch (IOException e) {
                    return false;
                }
            });
        } catch (IOException e) {
            return false;
        }
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
