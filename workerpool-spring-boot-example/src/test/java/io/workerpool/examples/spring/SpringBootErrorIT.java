package io.workerpool.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An application whose context cannot start (a bean throws in its constructor): each start is a boot error
 * whose exception, with the bean's name and message, reaches the master's log; after 5 boot errors in a row
 * the pool gives up and the master exits 1 saying why.
 */
class SpringBootErrorIT {
    @TempDir
    Path dir;

    @Test
    void aBeanThatThrowsAtStartIsABootErrorAndThePoolGivesUp() throws Exception {
        try (SpringPool pool = SpringPool.start(dir, SpringPool.EXAMPLE_JAR, "--server.port=0",
                "--workerpool.workers=1", "--example.fail-at-start=true")) {
            pool.awaitLine("worker 0 could not be created by its WorkerFactory: .*startupCheck.*StartupCheck refuses"
                    + " to start", SpringPool.START_TIMEOUT);
            pool.awaitLine("worker 0 .* exited \\(exit status 3\\).*boot error", Duration.ofSeconds(30));
            assertThat(pool.master().waitFor(180, TimeUnit.SECONDS)).as("the master gives up").isTrue();
            assertThat(pool.master().exitValue()).isEqualTo(1);
            String log = pool.log();
            assertThat(log).contains("failed to boot 5 times in a row, giving up on it")
                    .contains("workerpool: no worker could boot");
            assertThat(log.lines().filter(line -> line.contains("Tomcat started"))).isEmpty();
        }
    }
}
