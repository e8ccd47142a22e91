package io.workerpool.it.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** The restart soak's zombie verdict: a zombie that lasts is a leak; none at all is none. */
class ChaosProcStatsTest {
    @Test
    void aChildNeverReapedIsALastingZombie() throws Exception {
        // sh starts a child that exits at once, then becomes sleep, which never reaps it
        Process parent = new ProcessBuilder("sh", "-c", "true & exec sleep 30").start();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ChaosProcStats.children(parent.pid())
                    .stream().anyMatch(ChaosProcStats.Child::zombie));
            assertThat(ChaosProcStats.lastingZombies(parent.pid(), Duration.ofMillis(300))).hasSize(1);
        } finally {
            parent.destroyForcibly();
            parent.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aProcessWithoutZombiesHasNone() throws Exception {
        assertThat(ChaosProcStats.lastingZombies(ProcessHandle.current().pid(), Duration.ofMillis(300))).isEmpty();
    }
}
