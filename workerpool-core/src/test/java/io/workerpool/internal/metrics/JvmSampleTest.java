package io.workerpool.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.workerpool.WorkerStatus;
import io.workerpool.internal.wire.Message;
import io.workerpool.internal.wire.ProtocolException;
import io.workerpool.internal.wire.WireInput;
import io.workerpool.internal.wire.WireOutput;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The heartbeat's JVM sample on the wire (versioned, length-tolerant), the store, and the PSS recycle decision. */
class JvmSampleTest {
    private static final JvmSample SAMPLE = new JvmSample(10, 20, 3, 40, 22, 5_000_000, 700, 600, 8_000);

    @Test
    void aHeartbeatCarriesItsSampleAndAnOlderWorkersEmptyOneReadsAsNoSample() throws ProtocolException {
        assertThat(roundTrip(new Message.Heartbeat(SAMPLE))).isEqualTo(new Message.Heartbeat(SAMPLE));
        assertThat(roundTrip(new Message.Heartbeat())).isEqualTo(new Message.Heartbeat(null));
    }

    @Test
    void aNewerWorkersLongerSampleReadsItsKnownFieldsAndAShorterOneFillsTheRestWithMinusOne()
            throws ProtocolException {
        WireOutput longer = new WireOutput().writeByte(2).writeByte(11);
        for (long v : new long[] {10, 20, 3, 40, 22, 5_000_000, 700, 600, 8_000, 77, 88}) {
            longer.writeLong(v);
        }
        assertThat(Message.read(Message.Heartbeat.TYPE, new WireInput(longer.buffer())))
                .isEqualTo(new Message.Heartbeat(SAMPLE));
        WireOutput shorter = new WireOutput().writeByte(1).writeByte(2).writeLong(10).writeLong(20);
        assertThat(((Message.Heartbeat) Message.read(Message.Heartbeat.TYPE, new WireInput(shorter.buffer())))
                .sample()).isEqualTo(new JvmSample(10, 20, -1, -1, -1, -1, -1, -1, -1));
    }

    @Test
    void pssRecyclingRecyclesOnlyAWorkerWhosePssPassedTheLimit() {
        long mb = 1024 * 1024;
        JvmSample big = new JvmSample(1, 1, 1, 1, 1, 1, 900 * mb, 600 * mb, 1);
        JvmSample small = new JvmSample(1, 1, 1, 1, 1, 1, 900 * mb, 300 * mb, 1); // large RSS, mostly shared
        assertThat(PssRecycling.reason(big, 512 * mb)).isEqualTo("PSS 600 MB passed maxWorkerPss 512 MB");
        assertThat(PssRecycling.reason(small, 512 * mb)).isNull();
        assertThat(PssRecycling.reason(big, 0)).as("no limit").isNull();
        assertThat(PssRecycling.reason(null, 512 * mb)).as("no sample yet").isNull();
        assertThat(PssRecycling.reason(new JvmSample(1, 1, 1, 1, 1, 1, 1, -1, 1), 1)).as("PSS unknown").isNull();
        assertThat(PssRecycling.reason(new JvmSample(1, 1, 1, 1, 1, 1, 1, 512 * mb, 1), 512 * mb)).as("at it")
                .isNull();
    }

    @Test
    void theStoreKeepsTheLatestSamplePerJvmAndForgetsItWhenTheJvmDisconnects() {
        WorkerTelemetry telemetry = new WorkerTelemetry();
        telemetry.heartbeat(0, 7, 1234, new JvmSample(10, 20, 1, 100, 22, 1, 700, 600, 1_000));
        telemetry.heartbeat(0, 7, 1234, null); // a bare heartbeat keeps the sample
        telemetry.heartbeat(0, 7, 1234, new JvmSample(12, 20, 2, 150, 22, 1, 700, 650, 2_000));
        WorkerStatus status = new WorkerStatus(0, 1234, "RUNNING", Duration.ofSeconds(2), 0, "", Duration.ZERO, 700);
        WorkerStatus other = new WorkerStatus(1, 999, "RUNNING", Duration.ofSeconds(2), 0, "", Duration.ZERO, 700);
        List<WorkerStatus> filled = telemetry.withSamples(List.of(status, other));
        assertThat(filled.get(0)).isEqualTo(status.withJvm(12, 20, 2, 0.05, 22, 650)); // 50 ms of GC in 1 s
        assertThat(filled.get(1)).isEqualTo(other);
        assertThat(telemetry.latest(1234).pssBytes()).isEqualTo(650);
        telemetry.disconnected(7);
        assertThat(telemetry.latest(1234)).isNull();
        assertThat(telemetry.readings()).isEmpty();
    }

    private static Message roundTrip(Message message) throws ProtocolException {
        WireOutput out = new WireOutput();
        message.writePayload(out);
        return Message.read(message.type(), new WireInput(out.buffer()));
    }
}
