package io.workerpool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClassCountTest {
    private static final String WORKER_LOG = """
            [0.010s][info][class,load] java.lang.Object source: shared objects file
            [0.011s][info][class,load] java.util.regex.Pattern source: shared objects file
            [0.012s][info][class,load] io.workerpool.internal.worker.MasterLink source: file:/x/
            [0.013s][info][class,load] io.workerpool.internal.worker.MasterLink$$Lambda/0x0000000015049800 source: io.workerpool.internal.worker.MasterLink
            [0.013s][info][gc] not a class line
            [0.014s][info][class,load] io.workerpool.bench.IdleWork source: file:/x/
            [0.015s][info][class,load] java.util.Late source: jrt:/java.base
            """;

    @Test
    void countsUpToTheMarkAndGroupsWhatTheBareJvmDidNotLoadByPackage(@TempDir Path dir) throws Exception {
        Path worker = Files.writeString(dir.resolve("worker.log"), WORKER_LOG);
        Path bare = Files.writeString(dir.resolve("bare.log"), """
                [0.010s][info][class,load] java.lang.Object source: shared objects file
                [0.011s][info][class,load] io.workerpool.bench.Stamps source: file:/x/
                """);

        ClassCount.Result result = ClassCount.compare(
                ClassCount.loadedUntil(worker, " io.workerpool.bench.IdleWork "),
                ClassCount.loadedUntil(bare, " io.workerpool.bench.Stamps "));

        assertThat(result.worker()).isEqualTo(4);
        assertThat(result.bare()).isEqualTo(1);
        assertThat(result.fromCds()).isEqualTo(2);
        assertThat(result.extraByPackage()).containsExactly(
                java.util.Map.entry("io.workerpool.internal.worker", 2), java.util.Map.entry("java.util.regex", 1));
    }

    @Test
    void aLogWithoutTheMarkIsAnError(@TempDir Path dir) throws Exception {
        Path worker = Files.writeString(dir.resolve("worker.log"), "[0.010s][info][class,load] a.B source: x\n");
        assertThatThrownBy(() -> ClassCount.loadedUntil(worker, " io.workerpool.bench.IdleWork "))
                .isInstanceOf(BenchException.class).hasMessageContaining("did not get that far");
    }

    @Test
    void hiddenClassesLoseTheirAddress() {
        assertThat(ClassCount.className("[0.1s][info][class,load] a.B$$Lambda/0x01 source: a.B")).isEqualTo("a.B$$Lambda");
    }

    @Test
    void workerOptionsAreSplitOnWhitespaceWithoutARegex() {
        assertThat(RestartPool.words("  -Xlog:class+load:file=/t/w-%p.log\t-Xmx64m ")).containsExactly(
                "-Xlog:class+load:file=/t/w-%p.log", "-Xmx64m");
        assertThat(RestartPool.words("")).isEmpty();
        assertThat(List.of(RestartPool.words("a"))).containsExactly("a");
    }
}
