package io.workerpool.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.it.chaos.ChaosReport;
import io.workerpool.it.chaos.ChaosRun;
import io.workerpool.it.chaos.ChaosSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Half a minute of chaos on a serving pool of 4 workers under client load: SIGKILL, short and long SIGSTOPs, crashes,
 * halts, restart requests and a 10 s crash loop, in seeded random rounds (see {@link ChaosRun} for what is
 * checked afterwards). The seed is printed; {@code -Dchaos.seed=S} replays it. {@code ./run-chaos} is the long
 * version.
 */
class ChaosTest {
    @TempDir
    Path dir;

    @Test
    void poolSurvivesHalfAMinuteOfChaosAndMasterComesBackToItsBaseline() throws Exception {
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        System.out.println("ChaosTest seed " + seed + " (replay: -Dchaos.seed=" + seed + ")");
        ChaosReport report = ChaosRun.run(dir, ChaosSettings.suite(seed), System.out);
        System.out.println(report.table());

        assertThat(report.violations()).as("%s%nmaster log tail:%n%s", report.table(), report.masterLogTail())
                .isEmpty();
        // A run that broke nothing, or served nobody, proves nothing.
        assertThat(report.faultsInjected()).as(report.table()).isGreaterThanOrEqualTo(5);
        assertThat(report.clientsOk()).as(report.table()).isGreaterThan(0);
    }
}
