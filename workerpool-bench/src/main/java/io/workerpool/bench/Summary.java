package io.workerpool.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Minimum, median and maximum of a figure over the repetitions of a run (the machines are shared and
 * noisy: a single number would say more about the neighbours than about the code).
 */
record Summary(double min, double median, double max, int count) {

    static Summary of(List<Double> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values to summarize");
        }
        List<Double> sorted = sorted(values);
        return new Summary(sorted.getFirst(), percentile(sorted, 50), sorted.getLast(), sorted.size());
    }

    /**
     * The p-th percentile with linear interpolation between the closest ranks (numpy's default): the 50th of
     * 1, 2, 3, 4 is 2.5, the 95th of 30 values lies between the 28th and 29th smallest.
     */
    static double percentile(List<Double> values, double p) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("no values for a percentile");
        }
        if (p < 0 || p > 100) {
            throw new IllegalArgumentException("percentile must be in [0, 100], got " + p);
        }
        List<Double> sorted = sorted(values);
        double rank = p / 100 * (sorted.size() - 1);
        int below = (int) Math.floor(rank);
        int above = (int) Math.ceil(rank);
        return sorted.get(below) + (sorted.get(above) - sorted.get(below)) * (rank - below);
    }

    private static List<Double> sorted(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted;
    }
}
