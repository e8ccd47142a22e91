package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * aotCache(file): one JVM trains the cache when it is missing or stale, later workers map it (seen in their
 * /proc/PID/maps and in the master's log), and a cache the JVM refuses or that was made for another class
 * path falls back with one warning while the pool runs on.
 */
class AotCacheTest {
    /** A training run boots a JVM and has the JDK assemble the cache: tens of seconds on a loaded machine. */
    private static final Duration TRAINING = Duration.ofMinutes(3);
    private static final Duration START = Duration.ofSeconds(60);

    @TempDir
    Path dir;
    /** The JDK trains a cache only for a class path of jars: the test's class directories, jarred. */
    private String jarClassPath;

    @BeforeEach
    void jarTheClassDirectories() throws IOException {
        List<String> entries = new ArrayList<>();
        ToolProvider jar = ToolProvider.findFirst("jar").orElseThrow();
        int n = 0;
        for (String entry : System.getProperty("java.class.path").split(":")) {
            Path path = Path.of(entry);
            if (Files.isDirectory(path)) {
                Path jarFile = dir.resolve("classes-" + n++ + ".jar");
                assertThat(jar.run(System.out, System.err, "cf", jarFile.toString(), "-C", entry, ".")).isZero();
                entries.add(jarFile.toString());
            } else {
                entries.add(entry);
            }
        }
        jarClassPath = String.join(":", entries);
    }

    private PoolProcess.Builder pool(int workers, Path cache) {
        return PoolProcess.in(dir).withoutXshare().with("workers", workers).with("aotCache", cache)
                .launch("-cp", jarClassPath, "io.workerpool.testapp.TestPool");
    }

    @Test
    void aMissingCacheIsTrainedOnceThenTheNextStartsWorkersMapIt() throws Exception {
        Path cache = dir.resolve("worker.aot");
        try (PoolProcess pool = pool(1, cache).start()) {
            pool.awaitLog("AOT cache " + cache + " does not exist yet", START);
            pool.awaitLog("AOT cache " + cache + " trained in", TRAINING);
            pool.awaitEvents("worker-main 0 \\d+", 1, START);
            // the workers of this start began without it; the training JVM is one JVM, not a worker
            assertThat(pool.count("worker-start \\d+ \\d+")).isEqualTo(1);
            assertThat(pool.log()).doesNotContain("WARN");
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
        assertThat(cache).isRegularFile();
        assertThat(Files.readString(dir.resolve("worker.aot.fingerprint"))).contains("java.vm.version=");
        assertThat(trainingLeftovers()).isEmpty();

        try (PoolProcess pool = pool(1, cache).start()) {
            pool.awaitEvents("worker-main 0 \\d+", 2, START);
            assertThat(pool.log()).contains("workers start with the AOT cache " + cache)
                    .doesNotContain("trained in");
            String realPath = cache.toRealPath().toString();
            assertThat(mapsOf(pool.workerPid(0))).anyMatch(line -> line.endsWith(realPath));
            pool.awaitLog("mapped the AOT cache " + cache, START);

            // A deploy replaces a jar, then a reload: the JDK would run the cached old classes; the master sees it.
            Path fingerprint = dir.resolve("worker.aot.fingerprint");
            Path fingerprintCopy = Files.copy(fingerprint, dir.resolve("fingerprint.copy"));
            // One of this test's own jars: a jar of the local Maven repository is shared with every other build
            // on the machine (two suites at once saw each other's change and drifted its time for good).
            Path jar = Arrays.stream(jarClassPath.split(":")).map(Path::of).filter(p -> p.startsWith(dir))
                    .findFirst().orElseThrow();
            java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(jar);
            Files.setLastModifiedTime(jar, java.nio.file.attribute.FileTime.fromMillis(modified.toMillis() + 2000));
            pool.signal("HUP");
            pool.awaitLog("AOT cache " + cache + " is stale (jar " + jar, START);
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
            Files.setLastModifiedTime(jar, modified);
            Files.move(fingerprintCopy, fingerprint);
        }

        // A damaged cache with a matching fingerprint: the JVM refuses it, the master says so once and retrains.
        Files.write(cache, new byte[64 * 1024]);
        assertThat(dir.resolve("worker.aot.fingerprint")).isRegularFile();
        try (PoolProcess pool = pool(2, cache).start()) {
            pool.awaitLog("was not mapped by", START);
            pool.awaitEvents("worker-main \\d+ \\d+", 4, START);
            assertThat(pool.log()).containsOnlyOnce("was not mapped by").contains("its JVM refused it");
            // the retraining starts at the loop's next check: a TERM before it would leave nothing to assert on
            pool.awaitLog("AOT cache training JVM", START);
            // the pool stops at once, though a training JVM may still be at work
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
            assertThat(pool.log()).containsAnyOf("trained in", "stopped with the pool");
        }
        assertThat(trainingLeftovers()).isEmpty();
    }

    @Test
    void aCacheMadeForAnotherClassPathOrJdkIsDeletedAndRetrainedWhileThePoolRuns() throws Exception {
        Path cache = dir.resolve("worker.aot");
        Files.write(cache, new byte[1024]);
        Files.writeString(dir.resolve("worker.aot.fingerprint"), "java.home=" + System.getProperty("java.home")
                + "\njava.vm.version=1.0-elsewhere\n");
        try (PoolProcess pool = pool(1, cache).start()) {
            pool.awaitLog("AOT cache " + cache + " is stale (java.vm.version was '1.0-elsewhere', is now '"
                    + System.getProperty("java.vm.version") + "')", START);
            pool.awaitEvents("worker-main 0 \\d+", 1, START);
            assertThat(pool.log()).containsOnlyOnce("WARN");
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
        assertThat(trainingLeftovers()).isEmpty();
    }

    @Test
    void theUsersOwnCacheOptionsWinAndNoCacheIsTrained() throws Exception {
        Path cache = dir.resolve("worker.aot");
        try (PoolProcess pool = pool(1, cache).with("workerJvmOptions", "-XX:AOTMode=off").start()) {
            pool.awaitEvents("worker-main 0 \\d+", 1, START);
            assertThat(pool.log()).contains("aotCache " + cache + " not used: the worker JVM options already have"
                    + " -XX:AOTMode=off");
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
        // the JDK refuses -XX:AOTCache next to any -Xshare option, also the master's own, which workers inherit
        try (PoolProcess pool = PoolProcess.in(dir).with("workers", 1).with("aotCache", cache).start()) {
            pool.awaitEvents("worker-main 0 \\d+", 2, START);
            assertThat(pool.log()).contains("aotCache " + cache + " not used: the worker JVM options already have"
                    + " an option starting with -Xshare (the master's own, which workers inherit)");
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
            assertThat(pool.log()).doesNotContain("training");
        }
        // the JDK's training fails on a class directory: the master says so and does not try
        try (PoolProcess pool = PoolProcess.in(dir).withoutXshare().with("workers", 1).with("aotCache", cache)
                .start()) {
            pool.awaitEvents("worker-main 0 \\d+", 3, START);
            assertThat(pool.log()).contains("aotCache " + cache + " not used: the JDK makes an AOT cache only when"
                    + " the class path has no non-empty directory").doesNotContain("training");
            pool.signal("TERM");
            assertThat(pool.waitFor(START)).isZero();
        }
        assertThat(cache).doesNotExist();
    }

    private List<Path> trainingLeftovers() throws IOException {
        try (var files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().contains(".training")).toList();
        }
    }

    private static List<String> mapsOf(long pid) throws IOException {
        return Files.readAllLines(Path.of("/proc/" + pid + "/maps"));
    }
}
