package io.workerpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ResultTableTest {
    @Test
    void tableHasHeaderSeparatorAndOneLinePerRow() {
        String table = ResultTable.markdown(List.of(
                new Row("Restart p50 (ms)", "400 / 420 / 450", "95.0", "6.00", "70.00×", "≤ gunicorn's", "**no**"),
                Row.ours("Bare JVM (ms)", "300")));

        assertThat(table.lines().toList()).containsExactly(
                "| metric | workerpool (min / median / max) | Node.js cluster | gunicorn | ratio | target | met? |",
                "| --- | --- | --- | --- | --- | --- | --- |",
                "| Restart p50 (ms) | 400 / 420 / 450 | 95.0 | 6.00 | 70.00× | ≤ gunicorn's | **no** |",
                "| Bare JVM (ms) | 300 | — | — | — | — | — |");
    }

    @Test
    void pipesAndNewlinesCannotBreakTheTable() {
        assertThat(ResultTable.escape("a|b\nc")).isEqualTo("a\\|b c");
    }

    @Test
    void cellShowsMinMedianMaxOrTheOnlyValue() {
        assertThat(ResultTable.cell(Summary.of(List.of(3.0, 1.0, 2.0)), ResultTable::millis))
                .isEqualTo("1.00 / 2.00 / 3.00");
        assertThat(ResultTable.cell(Summary.of(List.of(123.4)), ResultTable::millis)).isEqualTo("123");
        assertThat(ResultTable.cell(null, ResultTable::millis)).isEqualTo(Row.NONE);
    }

    @Test
    void numberFormats() {
        assertThat(ResultTable.millis(5.678)).isEqualTo("5.68");
        assertThat(ResultTable.millis(56.78)).isEqualTo("56.8");
        assertThat(ResultTable.millis(567.8)).isEqualTo("568");
        assertThat(ResultTable.count(212345.6)).isEqualTo("212,346");
        assertThat(ResultTable.percent(0.123)).isEqualTo("0.12%");
        assertThat(ResultTable.ratio(1.5)).isEqualTo("1.50×");
        assertThat(ResultTable.ratio(Double.NaN)).isEqualTo(Row.NONE);
        assertThat(ResultTable.verdict(true)).isEqualTo("yes");
    }
}
