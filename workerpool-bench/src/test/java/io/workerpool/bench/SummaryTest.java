package io.workerpool.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SummaryTest {
    @Test
    void percentilesInterpolateBetweenClosestRanks() {
        List<Double> values = List.of(4.0, 1.0, 3.0, 2.0);
        assertThat(Summary.percentile(values, 50)).isEqualTo(2.5);
        assertThat(Summary.percentile(values, 0)).isEqualTo(1.0);
        assertThat(Summary.percentile(values, 100)).isEqualTo(4.0);

        List<Double> thirty = new ArrayList<>();
        for (int i = 1; i <= 30; i++) {
            thirty.add((double) i);
        }
        assertThat(Summary.percentile(thirty, 95)).isEqualTo(28.55, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void summaryIsMinMedianMax() {
        Summary s = Summary.of(List.of(5.0, 1.0, 3.0));
        assertThat(s).isEqualTo(new Summary(1.0, 3.0, 5.0, 3));
    }

    @Test
    void nothingToSummarizeIsAnError() {
        assertThatThrownBy(() -> Summary.of(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Summary.percentile(List.of(1.0), 101)).isInstanceOf(IllegalArgumentException.class);
    }
}
