package io.workerpool.internal.channel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a worker sends is printed on one line: line breaks and control characters escaped, nothing else. */
class LogReplayEscapeTest {
    @Test
    void escapesLineBreaksAndControlCharactersOnly() {
        assertThat(LogReplay.escape("a\nb\rc")).isEqualTo("a\\nb\\rc");
        assertThat(LogReplay.escape("\u001b[2Kx\u0000\u007f\u0085")).isEqualTo("\\u001b[2Kx\\u0000\\u007f\\u0085");
        assertThat(LogReplay.escape("line\u2028sep\u2029")).isEqualTo("line\\u2028sep\\u2029");
        assertThat(LogReplay.escape("tab\tstays, ünïcödé and \\n as typed")).isEqualTo("tab\tstays, ünïcödé and \\n as typed");
        assertThat(LogReplay.escape(null)).isNull();
    }

    @Test
    void returnsTheSameStringWhenNothingNeedsEscaping() {
        String clean = "worker 3 served 12 requests";
        assertThat(LogReplay.escape(clean)).isSameAs(clean);
    }
}
