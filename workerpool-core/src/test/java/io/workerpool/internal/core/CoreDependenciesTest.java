package io.workerpool.internal.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The core depends on nothing of the loop side: the dependency points one way (master, channel, launch, ops and
 * worker use the core, never the reverse), so the core stays pure and the simulation drives all of it. Read from
 * the core's sources, every reference to a workerpool type, imported or written out in full: only plain values
 * and pure functions of the packages below are allowed.
 */
class CoreDependenciesTest {
    private static final Path CORE = Path.of("src/main/java/io/workerpool/internal/core");
    private static final Pattern REFERENCE = Pattern.compile("\\bio\\.workerpool\\.[A-Za-z0-9_.]*[A-Za-z0-9_]");
    /**
     * What the core may use: its own package; the configuration value and the public status enum; the wire's
     * message records and exit codes; the metrics' value types (ExitCause, PoolSnapshot, JvmSample) and the pure
     * PSS check; the signal numbers of Posix.
     */
    private static final List<String> ALLOWED = List.of(
            "io.workerpool.internal.core",
            "io.workerpool.internal.PoolConfig",
            "io.workerpool.WorkerStatus",
            "io.workerpool.internal.wire.Message",
            "io.workerpool.internal.wire.ExitCodes",
            "io.workerpool.internal.metrics.ExitCause",
            "io.workerpool.internal.metrics.PoolSnapshot",
            "io.workerpool.internal.metrics.JvmSample",
            "io.workerpool.internal.metrics.PssRecycling",
            "io.workerpool.internal.posix.Posix");

    @Test
    void theCoreReferencesNoLoopSideType() throws IOException {
        assertThat(CORE).as("run from the module's directory").isDirectory();
        List<String> offending = new ArrayList<>();
        try (Stream<Path> files = Files.list(CORE)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                Matcher m = REFERENCE.matcher(Files.readString(file));
                while (m.find()) {
                    String reference = m.group();
                    if (ALLOWED.stream().noneMatch(a -> reference.equals(a) || reference.startsWith(a + "."))) {
                        offending.add(file.getFileName() + ": " + reference);
                    }
                }
            }
        }
        assertThat(offending).as("workerpool types the core may not use (master, channel, launch, ops, worker...)")
                .isEmpty();
    }

    @Test
    void theCheckSeesAnImportOfTheLoopSide() {
        Matcher m = REFERENCE.matcher("import io.workerpool.internal.master.LoopPorts;");
        assertThat(m.find()).isTrue();
        assertThat(ALLOWED.stream().noneMatch(a -> m.group().equals(a) || m.group().startsWith(a + "."))).isTrue();
    }
}
