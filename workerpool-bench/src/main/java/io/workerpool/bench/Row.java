package io.workerpool.bench;

/** One line of the results table; every cell is already formatted text. */
record Row(String metric, String workerpool, String node, String gunicorn, String ratio, String target, String met) {
    static final String NONE = "—";

    /** A row with no peer figure, ratio, target or verdict: the cells that are left are {@link #NONE}. */
    static Row ours(String metric, String workerpool) {
        return new Row(metric, workerpool, NONE, NONE, NONE, NONE, NONE);
    }
}
