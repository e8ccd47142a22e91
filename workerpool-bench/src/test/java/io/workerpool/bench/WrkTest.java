package io.workerpool.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WrkTest {
    private static final String OUTPUT = """
            Running 10s test @ http://127.0.0.1:8080/
              2 threads and 50 connections
              Thread Stats   Avg      Stdev     Max   +/- Stdev
                Latency     1.52ms    3.10ms  61.20ms   94.12%
                Req/Sec    20.11k     2.01k   25.30k    71.00%
              Latency Distribution
                 50%  612.00us
                 75%    1.10ms
                 90%    2.95ms
                 99%   15.77ms
              400213 requests in 10.00s, 61.07MB read
              Socket errors: connect 0, read 3, write 0, timeout 0
              Non-2xx or 3xx responses: 7
            Requests/sec:  40017.62
            Transfer/sec:      6.11MB
            """;

    @Test
    void readsRequestsPerSecondP99AndErrors() {
        Wrk.Result result = Wrk.parse(OUTPUT);
        assertThat(result.requestsPerSecond()).isEqualTo(40017.62);
        assertThat(result.p99Millis()).isEqualTo(15.77);
        assertThat(result.errors()).isEqualTo("socket errors: connect 0, read 3, write 0, timeout 0; 7 non-2xx responses");
    }

    @Test
    void latencyUnitsAreConverted() {
        assertThat(Wrk.parse(OUTPUT.replace("15.77ms", "950.00us")).p99Millis()).isEqualTo(0.95);
        assertThat(Wrk.parse(OUTPUT.replace("15.77ms", "1.20s")).p99Millis()).isEqualTo(1200.0);
    }

    @Test
    void readsResponsesPerWorkerFromTheSpreadScript() {
        Wrk.Result result = Wrk.parse(OUTPUT + "SPREAD worker 1 300\nSPREAD worker 0 100\n");
        assertThat(result.perWorker()).containsExactly(java.util.Map.entry(0, 100L), java.util.Map.entry(1, 300L));
        assertThat(result.busiestShare()).isEqualTo(0.75);
        assertThat(Wrk.parse(OUTPUT).busiestShare()).isNaN();
    }

    @Test
    void readsTheRequestCountThatCpuPerRequestDividesBy() {
        Wrk.Result result = Wrk.parse(OUTPUT);
        assertThat(result.requests()).isEqualTo(400213);
        assertThat(result.cpuMicrosPerRequest()).isNaN(); // the harness adds it, wrk doesn't say
        assertThat(result.withCpuPerRequest(80.5, java.util.Map.of("library", 0.0)).cpuMicrosPerRequest())
                .isEqualTo(80.5);
        assertThat(Wrk.parse(OUTPUT.replace("400213 requests in", "requests in")).requests()).isEqualTo(-1);
    }
}
