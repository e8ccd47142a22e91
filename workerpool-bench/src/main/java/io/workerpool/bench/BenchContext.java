package io.workerpool.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a run happens: the repository root (for the peers' scripts and the examples' classes), a fresh
 * directory for its files and logs, the java binary and class path the harness itself runs with (every
 * JVM of the benchmarks is started with them), and the settings.
 */
record BenchContext(Path root, Path runDir, String javaBinary, String classpath, BenchSettings settings) {
    /** Every JVM the benchmarks start gets this, as ./run-example gives it to the examples. */
    static final String NATIVE_ACCESS = "--enable-native-access=ALL-UNNAMED";

    static BenchContext create(Path root, BenchSettings settings) {
        Path runDir = root.resolve("workerpool-bench/target/bench-run");
        try {
            if (Files.exists(runDir)) {
                try (var files = Files.walk(runDir)) {
                    for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
            Files.createDirectories(runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + runDir, e);
        }
        String javaBinary = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        return new BenchContext(root, runDir, javaBinary, System.getProperty("java.class.path"), settings);
    }

    /** {@code java --enable-native-access=ALL-UNNAMED OPTIONS -cp CLASSPATH MAIN ARGS}, with the bench's class path. */
    List<String> javaCommand(List<String> jvmOptions, String mainClass, String... args) {
        return javaCommandWithClasspath(jvmOptions, classpath, mainClass, args);
    }

    List<String> javaCommandWithClasspath(List<String> jvmOptions, String cp, String mainClass, String... args) {
        List<String> command = new ArrayList<>();
        command.add(javaBinary);
        command.add(NATIVE_ACCESS);
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(cp);
        command.add(mainClass);
        command.addAll(List.of(args));
        return command;
    }

    /** A fresh file name in the run directory (deleted if it exists). */
    Path file(String name) {
        Path file = runDir.resolve(name);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    /** A loopback port that was free a moment ago. */
    static int freePort() {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot find a free loopback port", e);
        }
    }
}
