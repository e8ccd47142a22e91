package io.workerpool.internal.wire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** {@link Message.Started} carries the worker's send time; an empty payload (older workers) is "no time". */
class StartedWireTest {
    @Test
    void theSendTimeCrossesAndAnEmptyPayloadMeansNone() throws Exception {
        WireOutput out = new WireOutput();
        new Message.Started(-123_456_789L).writePayload(out);
        assertThat(Message.read(Message.Started.TYPE, new WireInput(out.buffer())))
                .isEqualTo(new Message.Started(-123_456_789L));

        WireOutput empty = new WireOutput();
        new Message.Started().writePayload(empty);
        assertThat(empty.size()).isZero();
        assertThat(Message.read(Message.Started.TYPE, new WireInput(empty.buffer())))
                .isEqualTo(new Message.Started(Message.Started.NO_TIME));
    }
}
